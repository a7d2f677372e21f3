package snapshot

import "sync"

// A Model is a view of the repository derived from a Snapshot: parsed files
// and the relations between them. A model is computed at most once per
// snapshot, on first use, after the models it Requires (as an analyzer's
// Requires in golang.org/x/tools/go/analysis); rules and other models read
// it with Get. Computing a model must be safe while other models are
// computed in parallel.
type Model[T any] struct {
	// Name identifies the model in panics and documentation.
	Name string
	// Requires are computed before Compute runs.
	Requires []AnyModel
	// Compute builds the model. It reads files only through the snapshot
	// and records unreadable or unparsable ones with AddParseError.
	Compute func(*Snapshot) T
}

// AnyModel is a Model of any type, for Requires and Parsers.
type AnyModel interface {
	load(*Snapshot)
}

type modelEntry struct {
	once sync.Once
	val  any
}

func (m *Model[T]) entry(s *Snapshot) *modelEntry {
	v, _ := s.models.LoadOrStore(m, &modelEntry{})
	return v.(*modelEntry)
}

// Get returns the model of s, computing it (and what it requires) on first
// use.
func (m *Model[T]) Get(s *Snapshot) T {
	e := m.entry(s)
	e.once.Do(func() {
		for _, r := range m.Requires {
			r.load(s)
		}
		e.val = m.Compute(s)
	})
	return e.val.(T)
}

func (m *Model[T]) load(s *Snapshot) { m.Get(s) }

// Preset makes v the model of s, as if computed; it has no effect once the
// model was computed. Tests use it to run rules over a hand-made model.
func (m *Model[T]) Preset(s *Snapshot, v T) {
	e := m.entry(s)
	e.once.Do(func() { e.val = v })
}

// Parsers are the models that parse files and so report parse errors:
// LG901 and LG902 load them all, so that a parse error or a suppression is
// seen even when no selected rule needs the model.
var Parsers = []AnyModel{Cargo, Flakes, Docker}

// LoadParsers computes every model of Parsers.
func (s *Snapshot) LoadParsers() {
	for _, m := range Parsers {
		m.load(s)
	}
}
