package checks

// isMeta reports whether a rule is reported by the engine, not by Check.
func isMeta(r *Rule) bool { return r.Check == nil }
