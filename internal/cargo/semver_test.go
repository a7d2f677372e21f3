package cargo

import (
	"testing"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in      string
		want    string // String() of the result; "" means an error is expected
		pre     string
		wantErr bool
	}{
		{in: "1.2.3", want: "1.2.3"},
		{in: "0.0.0", want: "0.0.0"},
		{in: "1.2.3-alpha.1", want: "1.2.3-alpha.1", pre: "alpha.1"},
		{in: "1.2.3-0.x-y", want: "1.2.3-0.x-y", pre: "0.x-y"},
		{in: "1.2.3+build.007", want: "1.2.3+build.007"},
		{in: "1.2.3-rc.1+b", want: "1.2.3-rc.1+b", pre: "rc.1"},
		{in: "18446744073709551615.0.0", want: "18446744073709551615.0.0"},
		{in: "", wantErr: true},
		{in: "1", wantErr: true},
		{in: "1.2", wantErr: true},
		{in: "01.2.3", wantErr: true},
		{in: "1.02.3", wantErr: true},
		{in: "1.2.3-01", wantErr: true},   // leading zero in numeric pre-release
		{in: "1.2.3-", wantErr: true},     // empty pre-release
		{in: "1.2.3-a..b", wantErr: true}, // empty segment
		{in: "1.2.3+", wantErr: true},
		{in: " 1.2.3", wantErr: true},
		{in: "1.2.3 ", wantErr: true},
		{in: "v1.2.3", wantErr: true},
		{in: "1.2.3.4", wantErr: true},
		{in: "18446744073709551616.0.0", wantErr: true},
	}
	for _, tt := range tests {
		v, err := ParseVersion(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseVersion(%q) = %v, want an error", tt.in, v)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseVersion(%q): %v", tt.in, err)
			continue
		}
		if v.String() != tt.want || v.Pre != tt.pre {
			t.Errorf("ParseVersion(%q) = %q (pre %q), want %q (pre %q)", tt.in, v, v.Pre, tt.want, tt.pre)
		}
	}
}

func TestVersionCompare(t *testing.T) {
	// SemVer §11 example chain, in increasing order.
	chain := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"}
	for i := range chain {
		for j := range chain {
			a, b := mustVersion(t, chain[i]), mustVersion(t, chain[j])
			if got, want := a.Compare(b), cmpInt(i, j); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
	if c := mustVersion(t, "1.0.0+a").Compare(mustVersion(t, "1.0.0+b")); c != 0 {
		t.Errorf("build metadata must not order versions, got %d", c)
	}
}

func mustVersion(t *testing.T, s string) Version {
	t.Helper()
	v, err := ParseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseReqErrors(t *testing.T) {
	ok := []string{"1", "1.2", "1.2.3", "^1.2.3", "~1", "=1.2.3-rc.1", ">=1.0, <2", " >= 1.0 ,  < 2 ", "*", "x", "X", "1.*", "1.2.*", "1.x", "1.*.*", ">=1.*", "1.2.3+build", "0.0.*"}
	bad := []string{"", " ", "1.2.3.4", "a", "1.*.3", "*, 1", "1, *", "1.2.3-", "01", "1.2 2", "~>1.2", ">= 1.0 <2", ">=", "1.2.3-01", "*.1", "^ *"}
	for _, s := range ok {
		if _, err := ParseReq(s); err != nil {
			t.Errorf("ParseReq(%q): %v", s, err)
		}
	}
	for _, s := range bad {
		if r, err := ParseReq(s); err == nil {
			t.Errorf("ParseReq(%q) = %v, want an error", s, r)
		}
	}
	many := "1"
	for range 31 {
		many += ", 1"
	}
	if _, err := ParseReq(many); err != nil {
		t.Errorf("32 comparators are allowed: %v", err)
	}
	if _, err := ParseReq(many + ", 1"); err == nil {
		t.Errorf("33 comparators must be rejected")
	}
}

// The expectations follow the semver crate's documentation and test suite
// (tests/test_version_req.rs) and the Cargo reference's tables.
func TestReqMatches(t *testing.T) {
	tests := []struct {
		req      string
		match    []string
		nomatch  []string
		renderAs string
	}{
		{req: "1.2.3", match: []string{"1.2.3", "1.2.4", "1.9.0"}, nomatch: []string{"1.2.2", "2.0.0", "1.2.4-alpha"}, renderAs: "^1.2.3"},
		{req: "^1.2", match: []string{"1.2.0", "1.9.9"}, nomatch: []string{"1.1.9", "2.0.0"}},
		{req: "1", match: []string{"1.0.0", "1.99.0"}, nomatch: []string{"0.9.0", "2.0.0"}},
		{req: "0.2.3", match: []string{"0.2.3", "0.2.9"}, nomatch: []string{"0.3.0", "0.2.2"}},
		{req: "0.2", match: []string{"0.2.0", "0.2.9"}, nomatch: []string{"0.3.0", "0.1.9"}},
		{req: "0.0.3", match: []string{"0.0.3"}, nomatch: []string{"0.0.4", "0.0.2"}},
		{req: "0.0", match: []string{"0.0.0", "0.0.9"}, nomatch: []string{"0.1.0"}},
		{req: "0", match: []string{"0.0.0", "0.9.9"}, nomatch: []string{"1.0.0"}},
		{req: "~1.2.3", match: []string{"1.2.3", "1.2.9"}, nomatch: []string{"1.3.0", "1.2.2"}},
		{req: "~1.2", match: []string{"1.2.0", "1.2.9"}, nomatch: []string{"1.3.0"}},
		{req: "~1", match: []string{"1.0.0", "1.9.0"}, nomatch: []string{"2.0.0", "0.9.0"}},
		{req: "*", match: []string{"0.0.0", "99.1.2"}, nomatch: []string{"1.0.0-alpha"}},
		{req: "1.*", match: []string{"1.0.0", "1.5.0"}, nomatch: []string{"2.0.0", "0.1.0"}, renderAs: "1.*"},
		{req: "1.2.*", match: []string{"1.2.0", "1.2.7"}, nomatch: []string{"1.3.0"}},
		{req: "=1.2.3", match: []string{"1.2.3", "1.2.3+build"}, nomatch: []string{"1.2.4", "1.2.3-rc.1"}},
		{req: "=1.2", match: []string{"1.2.0", "1.2.5"}, nomatch: []string{"1.3.0"}},
		{req: ">1.2.3", match: []string{"1.2.4", "2.0.0"}, nomatch: []string{"1.2.3", "1.2.4-rc.1"}},
		{req: ">1.2", match: []string{"1.3.0"}, nomatch: []string{"1.2.9"}},
		{req: ">=1.2.3, <1.8.0", match: []string{"1.2.3", "1.7.9"}, nomatch: []string{"1.8.0", "1.2.2"}, renderAs: ">=1.2.3, <1.8.0"},
		{req: "<1.2.3", match: []string{"1.2.2", "0.0.1"}, nomatch: []string{"1.2.3", "1.2.3-rc.1"}},
		{req: "<=1.2", match: []string{"1.2.9", "1.1.0"}, nomatch: []string{"1.3.0"}},
		{req: "<2", match: []string{"1.9.9"}, nomatch: []string{"2.0.0"}},
		// Pre-releases match only comparators naming the same x.y.z with a
		// pre-release.
		{req: ">=1.2.3-alpha.1", match: []string{"1.2.3-alpha.1", "1.2.3-beta", "1.2.3", "1.3.0"}, nomatch: []string{"1.2.4-alpha.1", "1.2.3-alpha.0"}},
		{req: "^1.2.3-rc.1", match: []string{"1.2.3-rc.1", "1.2.3-rc.2", "1.9.0"}, nomatch: []string{"2.0.0-rc.1", "1.3.0-rc.1", "1.2.3-beta"}},
		{req: "~1.2.3-beta", match: []string{"1.2.3-beta", "1.2.3-beta.4", "1.2.4"}, nomatch: []string{"1.2.3-alpha", "1.3.0"}},
		{req: ">=1.0.0, <2.0.0-0", match: []string{"1.5.0"}, nomatch: []string{"2.0.0-alpha", "2.0.0"}},
		{req: "0.0.1-pre", match: []string{"0.0.1-pre", "0.0.1"}, nomatch: []string{"0.0.2"}},
	}
	for _, tt := range tests {
		r, err := ParseReq(tt.req)
		if err != nil {
			t.Errorf("ParseReq(%q): %v", tt.req, err)
			continue
		}
		for _, v := range tt.match {
			if !r.Matches(mustVersion(t, v)) {
				t.Errorf("%q should match %s", tt.req, v)
			}
		}
		for _, v := range tt.nomatch {
			if r.Matches(mustVersion(t, v)) {
				t.Errorf("%q should not match %s", tt.req, v)
			}
		}
		if tt.renderAs != "" && r.String() != tt.renderAs {
			t.Errorf("ParseReq(%q).String() = %q, want %q", tt.req, r.String(), tt.renderAs)
		}
	}
}
