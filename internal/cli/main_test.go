package cli

import (
	"bytes"
	"strings"
	"testing"
)

// panicWriter makes the report printer panic, standing in for any bug.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("boom") }

func TestPanicBecomesInternalError(t *testing.T) {
	var stderr bytes.Buffer
	code := Main([]string{"rules"}, strings.NewReader(""), panicWriter{}, &stderr)
	if code != ExitInternal {
		t.Fatalf("exit %d, want %d", code, ExitInternal)
	}
	if !strings.Contains(stderr.String(), "lockguard: internal error: ") || !strings.Contains(stderr.String(), "boom") || strings.Contains(stderr.String(), "goroutine ") {
		t.Fatalf("stderr:\n%s", stderr.String())
	}
}
