package cli

import (
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lockguard/lockguard/checks"
	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/ruledocs"
)

func (e *env) rulesCommand() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "rules",
		Short: "List the rules",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			infos := checks.Infos()
			switch format {
			case "json":
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				type rule struct {
					ID       string `json:"id"`
					Name     string `json:"name"`
					Summary  string `json:"summary"`
					Severity string `json:"severity"`
					Fixable  bool   `json:"fixable"`
					Fix      string `json:"fix,omitempty"` // safe or unsafe
					URL      string `json:"url"`
					Doc      string `json:"doc"`
				}
				out := make([]rule, 0, len(infos))
				for _, r := range infos {
					out = append(out, rule{r.ID, r.Name, r.Summary, string(r.Severity), r.Fixable, string(r.FixApplicability()), r.URL(), r.Doc})
				}
				return enc.Encode(out)
			case "markdown":
				_, err := e.stdout.Write(ruledocs.Markdown(infos))
				return err
			case "text":
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tSEVERITY\tFIX\tSUMMARY")
				for _, r := range infos {
					fix := string(r.FixApplicability())
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Severity, fix, r.Summary)
				}
				return tw.Flush()
			}
			return usagef("unknown --format %q for rules (use text, json or markdown)", format)
		},
	}
	c.Flags().StringVar(&format, "format", "text", "text, json or markdown (docs/rules.md)")
	return c
}

func (e *env) explainCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "explain RULE",
		Short: "Explain a rule (by ID or name), with a bad and a good example",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			r, ok := checks.Lookup(args[0])
			if !ok {
				return usagef("no rule %q (`lockguard rules` lists them)", args[0])
			}
			fix := "no automatic fix"
			switch r.FixApplicability() {
			case diag.Safe:
				fix = "safe fix: `lockguard fix`"
			case diag.Unsafe:
				fix = "unsafe fix: review it with `lockguard fix --diff`, apply it with `lockguard fix --unsafe-fixes`"
			}
			fmt.Fprintf(e.stdout, "%s %s (%s; %s)\n\n%s\n\n%s\n\n", r.ID, r.Name, r.Severity, fix, r.Summary, strings.TrimSpace(r.Doc))
			if ex := ruledocs.ExamplesText(r.ID); ex != "" {
				fmt.Fprintf(e.stdout, "%s\n", ex)
			}
			fmt.Fprintf(e.stdout, "%s\n", r.URL())
			return nil
		},
	}
}

func (e *env) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			fmt.Fprintf(e.stdout, "lockguard %s\n", version())
			return nil
		},
	}
}

// version comes from the build info: the module version for `go install
// …@vX`, else the VCS revision stamped by the go command.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "-dirty"
			}
		}
	}
	if (v == "" || v == "(devel)") && rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		return "(devel) " + rev + modified
	}
	if v == "" {
		return "(devel)"
	}
	return v
}
