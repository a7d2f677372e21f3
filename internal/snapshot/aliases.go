package snapshot

import (
	"github.com/lockguard/lockguard/internal/cargo"
	"github.com/lockguard/lockguard/internal/config"
	"github.com/lockguard/lockguard/internal/dockerfile"
	"github.com/lockguard/lockguard/internal/nix"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/shell"
)

var AnalyzeScript = dockerfile.AnalyzeScript

type CargoLockUse = nix.CargoLockUse

var CheckLockEnv = cargo.CheckLockEnv
var ExcludeEdit = cargo.ExcludeEdit

type CargoProblem = cargo.Problem

type Command = dockerfile.Command
type Config = config.Config
type File = dockerfile.File
type Flake = nix.Flake
type LockedPath = nix.LockedPath

var RelativePathInputs = nix.RelativePathInputs

var Generators = dockerfile.Generators

type GitSource = cargo.GitSource

var HasBinary = cargo.HasBinary

type HashEntry = nix.HashEntry
type Instr = dockerfile.Instr

var LiteralArgv = dockerfile.LiteralArgv
var LocalFlakeDir = dockerfile.LocalFlakeDir

type LockPackage = cargo.LockPackage

var MatchPath = config.MatchPath

type NixCall = dockerfile.NixCall

var NixInvocations = dockerfile.NixInvocations
var NixOptionArity = dockerfile.NixOptionArity

type Outputs = nix.Outputs

var Parse = dockerfile.Parse
var ParseGitSource = cargo.ParseGitSource
var ParseLock = cargo.ParseLock

type Ref = nix.Ref

const RefDirSource = nix.RefDirSource
const RefFilesetMember = nix.RefFilesetMember
const RefImport = nix.RefImport
const RefInput = nix.RefInput
const RefRead = nix.RefRead

type Root = cargo.Root
type Stage = dockerfile.Stage
type State = repo.State

const StateCommitted = repo.StateCommitted
const StateConflicted = repo.StateConflicted
const StateDeleted = repo.StateDeleted
const StateIgnored = repo.StateIgnored
const StateIntentToAdd = repo.StateIntentToAdd
const StateMissing = repo.StateMissing
const StateUntracked = repo.StateUntracked

type Status = repo.Status

// ScriptKind scans one kind of file for shell scripts; ScriptPiece is one script.
type (
	ScriptKind  = shell.Kind
	ScriptPiece = shell.Piece
)

// ShellQuote spells a word for a POSIX shell (shell.QuoteWith).
var ShellQuote = shell.QuoteWith
