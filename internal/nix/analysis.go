package nix

import "path"

// analyzeFlake is a placeholder until the analysis lands: it parses
// flake.nix only and reports no references.
func analyzeFlake(flakePath string, r Reader) (*Flake, []FileError) {
	f := &Flake{Path: flakePath, Dir: dirOfPath(flakePath), Files: []string{flakePath}}
	data, err := r.ReadFile(flakePath)
	if err != nil {
		return f, []FileError{{Path: flakePath, Err: err}}
	}
	if _, err := Parse(flakePath, data); err != nil {
		return f, []FileError{{Path: flakePath, Err: err}}
	}
	return f, nil
}

func dirOfPath(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}
