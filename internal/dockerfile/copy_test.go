package dockerfile

import "testing"

func TestCopyTarget(t *testing.T) {
	tests := []struct {
		copy string // COPY line, WORKDIR /app
		rel  string
		want string // "" = not transferred
	}{
		{"COPY . .", "Cargo.lock", "/app/Cargo.lock"},
		{"COPY . .", "backend/Cargo.lock", "/app/backend/Cargo.lock"},
		{"COPY . /", "a/b", "/a/b"},
		{"COPY ./ ./", "x", "/app/x"},
		{"COPY backend ./backend/", "backend/Cargo.lock", "/app/backend/Cargo.lock"},
		{"COPY backend /srv", "backend/src/main.rs", "/srv/src/main.rs"},
		{"COPY backend/ /srv/", "backend/Cargo.lock", "/srv/Cargo.lock"},
		{"COPY backend ./backend/", "Cargo.lock", ""},
		{"COPY backend ./backend/", "backend2/x", ""},
		{"COPY Cargo.lock .", "Cargo.lock", "/app/Cargo.lock"},
		{"COPY Cargo.lock /lock", "Cargo.lock", "/lock"},
		{"COPY Cargo.lock /lockdir/", "Cargo.lock", "/lockdir/Cargo.lock"},
		{"COPY Cargo.toml Cargo.lock /src", "Cargo.lock", "/src/Cargo.lock"},
		{"COPY flake.nix flake.lock ./", "flake.lock", "/app/flake.lock"},
		{"COPY flake.nix flake.lock ./", "flake.nix.bak", ""},
		{"COPY *.lock ./", "Cargo.lock", "/app/Cargo.lock"},
		{"COPY *.lock ./", "sub/Cargo.lock", ""},
		{"COPY */Cargo.lock /locks/", "backend/Cargo.lock", "/locks/Cargo.lock"},
		{"COPY crate* /c/", "crate-a/src/lib.rs", "/c/src/lib.rs"},
		{"COPY --parents backend/Cargo.lock /out/", "backend/Cargo.lock", "/out/backend/Cargo.lock"},
		{"COPY --parents ./a/./b/c.txt /out/", "a/b/c.txt", "/out/b/c.txt"},
		{"COPY --exclude=*.lock . .", "Cargo.lock", ""},
		{"COPY --exclude=*.lock . .", "Cargo.toml", "/app/Cargo.toml"},
		{"COPY --exclude=target . .", "target/debug/app", ""},
		{"COPY .git /repo/.git", ".git/HEAD", "/repo/.git/HEAD"},
		{"COPY . .", ".git/HEAD", "/app/.git/HEAD"},
		{"COPY --from=builder /build/out /out", "build/out/app", "/out/app"},
		{"ADD vendor.tar.gz /v/", "vendor.tar.gz", ""},
		{"ADD . /src", "a.txt", "/src/a.txt"},
		{"COPY a b", "a", "/app/b"},
		{"COPY a b", "b", ""},
		{"COPY . .", ".", ""},
	}
	for _, tt := range tests {
		t.Run(tt.copy+" "+tt.rel, func(t *testing.T) {
			f := mustParse(t, "FROM alpine AS builder\nFROM alpine\nWORKDIR /app\n"+tt.copy+"\n")
			in := f.Stages[1].Instrs[1]
			if in.Copy == nil {
				t.Fatalf("not a copy: %+v", in)
			}
			got, ok := in.Copy.Target(tt.rel)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("Target(%q) = %q, %v; want %q", tt.rel, got, ok, tt.want)
			}
		})
	}
}
