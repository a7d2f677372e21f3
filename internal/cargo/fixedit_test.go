package cargo

import "testing"

func TestExcludeEdit(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"no exclude, after members", "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
			"[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/docs\"]\nresolver = \"2\"\n"},
		{"no members", "[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[workspace]\n",
			"[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[workspace]\nexclude = [\"crates/docs\"]\n"},
		{"no members, no final newline", "[workspace]", "[workspace]\nexclude = [\"crates/docs\"]\n"},
		{"empty exclude", "[workspace]\nmembers = [\"crates/*\"]\nexclude = []\n",
			"[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/docs\"]\n"},
		{"one line", "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"old\"]\n",
			"[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"old\", \"crates/docs\"]\n"},
		{"multi-line, trailing comma", "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\n    \"old\", # gone\n]\n",
			"[workspace]\nmembers = [\"crates/*\"]\nexclude = [\n    \"old\",\n    \"crates/docs\", # gone\n]\n"},
		{"multi-line, no trailing comma", "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\n  \"old\"\n]\n",
			"[workspace]\nmembers = [\"crates/*\"]\nexclude = [\n  \"old\",\n  \"crates/docs\"\n]\n"},
		{"multi-line members", "[workspace]\nmembers = [\n  \"crates/*\",\n]\n\n[workspace.dependencies]\nx = \"1\"\n",
			"[workspace]\nmembers = [\n  \"crates/*\",\n]\nexclude = [\"crates/docs\"]\n\n[workspace.dependencies]\nx = \"1\"\n"},
		// Not edited: what the edit could not keep right.
		{"inline table", "workspace = { members = [\"crates/*\"] }\n", ""},
		{"sub-table first", "[workspace.dependencies]\nx = \"1\"\n[workspace]\nmembers = [\"crates/*\"]\n", ""},
		{"listed literally in members", "[workspace]\nmembers = [\"crates/*\", \"crates/docs\"]\n", ""},
		{"already excluded", "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/docs\"]\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := ExcludeEdit("Cargo.toml", []byte(tt.src), "crates/docs")
			if tt.want == "" {
				if ok {
					t.Fatalf("edit %+v, want none", e)
				}
				return
			}
			if !ok {
				t.Fatal("no edit")
			}
			if got := string(e.Apply([]byte(tt.src))); got != tt.want {
				t.Errorf("edited:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
