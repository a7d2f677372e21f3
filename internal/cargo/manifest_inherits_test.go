package cargo

import "testing"

func TestManifestInherits(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want bool
	}{
		{"[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1\"\n", false},
		{"[package]\nname = \"a\"\nversion.workspace = true\n", true},
		{"[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = { workspace = true }\n", true},
		{"[package]\nname = \"a\"\nversion = \"0.1.0\"\nworkspace = \"../..\"\n", true},
		{"[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[lints]\nworkspace = true\n", true},
		{"[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[target.'cfg(unix)'.dependencies]\nlibc.workspace = true\n", true},
		{"[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[dependencies]\nx = { path = \"../x\", features = [\"workspace\"] }\n", false},
	} {
		m, err := ParseManifest("a/Cargo.toml", []byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		if m.Inherits != tt.want {
			t.Errorf("Inherits = %v, want %v for\n%s", m.Inherits, tt.want, tt.src)
		}
	}
}
