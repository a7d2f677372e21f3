package nix

import (
	"reflect"
	"testing"
)

func TestRelativePathInputs(t *testing.T) {
	lock := `{
  "nodes": {
    "a": {"locked": {"lastModified": 1, "narHash": "sha256-AAA=", "path": "./a", "type": "path"}, "original": {"path": "./a", "type": "path"}},
    "abs": {"locked": {"narHash": "sha256-BBB=", "path": "/etc/x", "type": "path"}},
    "gh": {"locked": {"narHash": "sha256-CCC=", "owner": "o", "repo": "r", "rev": "x", "type": "github"}},
    "up": {"locked": {"narHash": "sha256-DDD=", "path": "../up", "type": "path"}},
    "root": {"inputs": {"a": "a", "abs": "abs", "gh": "gh", "up": "up", "f": ["gh", "nixpkgs"]}}
  },
  "root": "root",
  "version": 7
}`
	got, ok := RelativePathInputs([]byte(lock))
	want := []LockedPath{{Input: "a", Path: "./a", NarHash: "sha256-AAA="}, {Input: "up", Path: "../up", NarHash: "sha256-DDD="}}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v %v, want %+v", got, ok, want)
	}
	if d, ok := got[0].Dir("sub"); !ok || d != "sub/a" {
		t.Errorf("dir %q %v", d, ok)
	}
	if d, ok := got[1].Dir("sub"); !ok || d != "up" {
		t.Errorf("dir %q %v", d, ok)
	}
	if _, ok := got[1].Dir(""); ok {
		t.Error("../up from the root leaves the repository")
	}
	if _, ok := RelativePathInputs([]byte("{")); ok {
		t.Error("bad JSON accepted")
	}
}
