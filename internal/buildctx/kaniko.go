package buildctx

// kaniko's executor as a builder.

import (
	"path"
	"strings"
)

// kanikoBuild reads kaniko's executor: --context (a directory, dir://…)
// and --dockerfile (relative to the working directory, else to the
// context, as kaniko resolves it; the caller keeps the build only when it
// names a tracked Dockerfile), --build-arg and --target.
func kanikoBuild(w words, dir string, origin Origin) *Build {
	b := &Build{Origin: withWhat(origin, "kaniko executor")}
	ctx, file := "", "Dockerfile"
	haveCtx := false
	for i := 0; i < len(w.args); i++ {
		a := w.arg(i)
		name, val, hasVal := strings.Cut(a, "=")
		valDyn := false
		switch name {
		case "--context", "-c", "--dockerfile", "-f", "--build-arg", "--target":
		default:
			continue
		}
		if !hasVal {
			i++
			if i >= len(w.args) {
				break
			}
			val, valDyn = w.args[i], w.dyn[i]
		}
		switch name {
		case "--context", "-c":
			if valDyn || isRemote(val) && !strings.HasPrefix(val, "dir://") {
				return nil
			}
			ctx, haveCtx = strings.TrimPrefix(val, "dir://"), true
		case "--dockerfile", "-f":
			if valDyn {
				return nil
			}
			file = val
			b.Named = true
		case "--build-arg":
			k, v, ok := strings.Cut(val, "=")
			if valDyn || !ok {
				b.unknownArg(k)
			} else {
				b.arg(k, v)
			}
		case "--target":
			if valDyn {
				return nil
			}
			b.Target = val
		}
	}
	if !haveCtx {
		return nil
	}
	c, ok := absOrJoin(dir, ctx)
	if !ok {
		return nil
	}
	b.Context = c
	f, ok := absOrJoin(dir, file)
	if !ok {
		return nil
	}
	if !path.IsAbs(file) {
		if cf, ok := join(c, file); ok {
			// kaniko tries the working directory first, then the context
			b.Dockerfile = f + "\x00" + cf
			return b
		}
	}
	b.Dockerfile = f
	return b
}
