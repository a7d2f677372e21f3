package nix

import (
	"encoding/json"
	"path"
	"sort"
	"strings"
)

// LockedPath is a direct input of a flake that flake.lock pins as a
// relative path: (inputs.sub.url = "path:./sub").
type LockedPath struct {
	Input   string // the input's name in the root node
	Path    string // as locked, relative to the flake's directory ("./sub")
	NarHash string // the locked narHash (SRI), "" when absent
}

type lockFile struct {
	Nodes map[string]struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
		Locked *struct {
			Type    string `json:"type"`
			Path    string `json:"path"`
			NarHash string `json:"narHash"`
		} `json:"locked"`
	} `json:"nodes"`
	Root string `json:"root"`
}

// RelativePathInputs returns the root's inputs that data (a flake.lock)
// locks as type path with a relative path, sorted by input name; ok is
// false when data is not a lock file this understands.
func RelativePathInputs(data []byte) (inputs []LockedPath, ok bool) {
	var lf lockFile
	if err := json.Unmarshal(data, &lf); err != nil || lf.Root == "" {
		return nil, false
	}
	root, found := lf.Nodes[lf.Root]
	if !found {
		return nil, false
	}
	for name, raw := range root.Inputs {
		var key string
		if json.Unmarshal(raw, &key) != nil {
			continue // follows: ["a", "b"]
		}
		n, found := lf.Nodes[key]
		if !found || n.Locked == nil || n.Locked.Type != "path" || n.Locked.Path == "" || strings.HasPrefix(n.Locked.Path, "/") {
			continue
		}
		inputs = append(inputs, LockedPath{Input: name, Path: n.Locked.Path, NarHash: n.Locked.NarHash})
	}
	sort.Slice(inputs, func(i, j int) bool { return inputs[i].Input < inputs[j].Input })
	return inputs, true
}

// Dir is the repository path of the input's directory for a flake in
// flakeDir; ok is false when it leaves the repository.
func (l LockedPath) Dir(flakeDir string) (string, bool) {
	p := path.Clean(path.Join(flakeDir, l.Path))
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	if p == "." {
		p = ""
	}
	return p, true
}
