package demo

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
)

// ProgressBar returns a progress callback for long loads (the shape of
// rdv.Store.LoadNetwork's progress argument). On a terminal it redraws one
// line with a bar and a percentage; elsewhere (a log file, a pipe) it
// writes a plain line at 0, 25, 50, 75 and 100 %. It draws only when the
// shown figure changes, so calling it for every slot costs an atomic load;
// it is safe for concurrent use. Write errors are ignored: progress is
// cosmetic and must never fail a load.
func ProgressBar(w io.Writer, label string) func(done, total int) {
	terminal := isTerminal(w)
	per := 1 // percent per drawn step
	if !terminal {
		per = 25
	}
	var (
		shown atomic.Int64 // last step drawn, -1 before the first
		mu    sync.Mutex   // orders the writes
	)
	shown.Store(-1)
	return func(done, total int) {
		if total <= 0 {
			return
		}
		done = min(max(done, 0), total)
		pct := int(int64(done) * 100 / int64(total))
		step := int64(pct / per)
		if step <= shown.Load() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if step <= shown.Load() {
			return
		}
		shown.Store(step)
		if terminal {
			drawBar(w, label, pct, done == total)
			return
		}
		fmt.Fprintf(w, "%s: %d%% (%d/%d)\n", label, int(step)*per, done, total)
	}
}

const barWidth = 30

func drawBar(w io.Writer, label string, pct int, finished bool) {
	filled := pct * barWidth / 100
	end := ""
	if finished {
		end = "\n"
	}
	fmt.Fprintf(w, "\r%s [%s%s] %3d%%%s", label, strings.Repeat("#", filled), strings.Repeat(" ", barWidth-filled), pct, end)
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
