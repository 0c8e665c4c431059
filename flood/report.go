package flood

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// writeReport writes flood.md and flood.svg into dir.
func writeReport(dir string, s Summary, now time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil { // #nosec G301 -- a load report, meant to be read by whoever runs it
		return fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flood.svg"), []byte(chart(s)), 0o644); err != nil { // #nosec G306 -- a load report holds no secret
		return fmt.Errorf("report chart: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flood.md"), []byte(markdown(s, now)), 0o644); err != nil { // #nosec G306 -- a load report holds no secret
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

func markdown(s Summary, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Flood report\n\n")
	fmt.Fprintf(&b, "Measured %s with `rdv flood --duration %s --overload %g`: an open-loop, constant-rate mix of searches, holds, confirmations, cancellations, clinic pages and waiting-room visitors (browsers that keep their cookies and come back when the room tells them to).\n\n",
		now.UTC().Format("2006-01-02 15:04 MST"), s.Duration, s.Overload)
	fmt.Fprintf(&b, "![Offered load against goodput and admitted p99 latency](flood.svg)\n\n")
	runs := []*Run{&s.Run}
	names := runNames(s)
	if s.Compare != nil {
		runs = append(runs, s.Compare)
	}
	names = names[:len(runs)]
	fmt.Fprintf(&b, "| | %s |\n|---|%s\n", strings.Join(names, " | "), strings.Repeat("---|", len(runs)))
	row := func(label string, f func(r *Run) string) {
		cells := make([]string, len(runs))
		for i, r := range runs {
			cells[i] = f(r)
		}
		fmt.Fprintf(&b, "| %s | %s |\n", label, strings.Join(cells, " | "))
	}
	row("capacity (req/s)", func(r *Run) string { return fmt.Sprintf("%.0f", r.CapacityRPS) })
	row("asked of the generator (req/s)", func(r *Run) string { return fmt.Sprintf("%.0f", r.RequestedRPS) })
	row("offered, actually sent (req/s)", func(r *Run) string {
		return fmt.Sprintf("%.0f (%.1f× capacity)", r.OfferedRPS, r.OverloadReached)
	})
	row("goodput (req/s)", func(r *Run) string { return fmt.Sprintf("%.0f", r.GoodputRPS) })
	row("admitted by the server (req/s)", func(r *Run) string { return fmt.Sprintf("%.0f", r.ServerGoodputRPS) })
	row("goodput / capacity", func(r *Run) string { return fmt.Sprintf("%.0f %%", 100*r.GoodputRatio) })
	row("admitted p50 / p99", func(r *Run) string { return fmt.Sprintf("%.1f / %.1f ms", r.AdmittedP50MS, r.AdmittedP99MS) })
	row("refused p50 / p99", func(r *Run) string { return fmt.Sprintf("%.1f / %.1f ms", r.RefusedP50MS, r.RefusedP99MS) })
	row("refusal p99 inside the server", func(r *Run) string {
		if r.ServerRefusalP99MS < 0 {
			return "n/a"
		}
		return fmt.Sprintf("≤ %g ms", r.ServerRefusalP99MS)
	})
	row("admitted p99 inside the server", func(r *Run) string {
		if r.ServerAdmittedP99MS < 0 {
			return "n/a"
		}
		return fmt.Sprintf("≤ %g ms", r.ServerAdmittedP99MS)
	})
	row("refused / failed", func(r *Run) string { return fmt.Sprintf("%.0f %% / %.1f %%", 100*r.RefusedRatio, 100*r.FailedRatio) })
	for _, k := range kinds {
		row("shed: "+k, func(r *Run) string { return fmt.Sprintf("%.0f %%", 100*r.ShedRate[k]) })
	}
	row("waiting room: visitors / held / given a number", func(r *Run) string {
		return fmt.Sprintf("%d / %d / %d", r.Waitroom.Visitors, r.Waitroom.Held, r.Waitroom.Ticketed)
	})
	row("waiting room: let in after a wait, p50 / p99", func(r *Run) string {
		return fmt.Sprintf("%d, %.1f / %.1f s", r.Waitroom.WaitedAndLetIn, r.Waitroom.WaitP50S, r.Waitroom.WaitP99S)
	})
	row("waiting room: still waiting at the end (longest, announced p50)", func(r *Run) string {
		return fmt.Sprintf("%d (%.1f s, %.0f s)", r.Waitroom.StillWaiting, r.Waitroom.LongestWaitS, r.Waitroom.EstimateP50S)
	})
	row("recovery: goodput ≥ 90 % of capacity again after", func(r *Run) string {
		switch {
		case r.Recovery == nil:
			return "not measured"
		case r.Recovery.Seconds < 0:
			return fmt.Sprintf("not within %d s", len(r.Recovery.GoodputRPS))
		}
		return fmt.Sprintf("%.1f s", r.Recovery.Seconds)
	})
	row("recovery: goodput by second after the flood (req/s)", func(r *Run) string {
		if r.Recovery == nil {
			return "n/a"
		}
		cells := make([]string, len(r.Recovery.GoodputRPS))
		for i, g := range r.Recovery.GoodputRPS {
			cells[i] = fmt.Sprintf("%.0f", g)
		}
		return strings.Join(cells, ", ")
	})
	row("bookings acknowledged", func(r *Run) string { return fmt.Sprint(r.Acknowledged) })
	row("bookings checked", func(r *Run) string { return fmt.Sprint(r.Checked) })
	row("double bookings", func(r *Run) string { return fmt.Sprint(r.DoubleBookings) })
	row("lost bookings", func(r *Run) string { return fmt.Sprint(r.LostBookings) })
	fmt.Fprintf(&b, "\nGoodput counts answers that are not refusals or failures (a 409 `slot_taken` is an answer). Refused means 503 or a per-client 429; failed means no answer within the timeout or another 5xx.\n")
	for i, r := range runs {
		fmt.Fprintf(&b, "\n## Load levels, %s\n\n| asked | sent | goodput | server admitted | admitted p99 | server admitted p99 | server refusal p99 | refused | failed |\n|---|---|---|---|---|---|---|---|---|\n", names[i])
		for _, p := range points(r) {
			fmt.Fprintf(&b, "| %.0f | %.0f | %.0f | %.0f | %.1f ms | %s | %s | %.0f %% | %.1f %% |\n",
				p.RequestedRPS, p.OfferedRPS, p.GoodputRPS, p.ServerGoodputRPS, p.AdmittedP99MS, bound(p.ServerAdmittedP99MS), bound(p.ServerRefusalP99MS), 100*p.RefusedRatio, 100*p.FailedRatio)
		}
	}
	return b.String()
}

// runNames are the names of the target and of the comparison, from
// --names (or the admission on/off of reports written before it).
func runNames(s Summary) []string {
	if len(s.Names) == 2 {
		return s.Names
	}
	return []string{"admission on", "admission off"}
}

// bound prints a quantile read off the server's histogram: the bound of
// its bucket, or "none" when the server measured nothing (-1).
func bound(ms float64) string {
	if ms < 0 {
		return "none"
	}
	return fmt.Sprintf("≤ %g ms", ms)
}

// points returns every measured level of a run, by offered load.
func points(r *Run) []Point {
	ps := append(append([]Point(nil), r.Ramp...), r.Levels...)
	slices.SortStableFunc(ps, func(a, b Point) int {
		switch {
		case a.OfferedRPS < b.OfferedRPS:
			return -1
		case a.OfferedRPS > b.OfferedRPS:
			return 1
		}
		return 0
	})
	return ps
}

// chart draws two panels: goodput against offered load, and admitted p99
// latency (log scale) against offered load, one line per run.
func chart(s Summary) string {
	type series struct {
		name, color string
		pts         []Point
	}
	names := runNames(s)
	all := []series{{names[0], "#1f6feb", points(&s.Run)}}
	if s.Compare != nil {
		all = append(all, series{names[1], "#d1242f", points(s.Compare)})
	}
	var maxX, maxGood, maxLat float64 = 1, 1, 10
	for _, se := range all {
		for _, p := range se.pts {
			maxX = math.Max(maxX, p.OfferedRPS)
			maxGood = math.Max(maxGood, p.GoodputRPS)
			maxLat = math.Max(maxLat, latencyOf(p))
		}
	}
	const (
		w, h         = 920, 380
		pw, ph       = 360, 260
		top          = 50
		left1, left2 = 70, 530
		latMin       = 1.0 // ms, bottom of the log axis
	)
	logMax := math.Ceil(math.Log10(maxLat))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/>`+"\n", w, h)
	panel := func(left int, title, yLabel string) {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="14" font-weight="bold">%s</text>`+"\n", left, top-20, title)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>`+"\n", left, top, pw, ph)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">offered load (req/s)</text>`+"\n", left+pw/2, top+ph+36)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" transform="rotate(-90 %d %d)">%s</text>`+"\n", left-50, top+ph/2, left-50, top+ph/2, yLabel)
		for i := 0; i <= 4; i++ {
			x := float64(left) + float64(i)*pw/4
			fmt.Fprintf(&b, `<text x="%.0f" y="%d" text-anchor="middle">%.0f</text>`+"\n", x, top+ph+16, maxX*float64(i)/4)
		}
	}
	panel(left1, "Goodput", "goodput (req/s)")
	panel(left2, "Admitted p99 latency (server)", "p99 (ms, log scale)")
	for i := 0; i <= 4; i++ {
		y := float64(top+ph) - float64(i)*ph/4
		fmt.Fprintf(&b, `<text x="%d" y="%.0f" text-anchor="end">%.0f</text>`+"\n", left1-6, y+4, maxGood*float64(i)/4)
	}
	for e := 0.0; e <= logMax; e++ {
		y := float64(top+ph) - e/logMax*ph
		fmt.Fprintf(&b, `<text x="%d" y="%.0f" text-anchor="end">%g</text>`+"\n", left2-6, y+4, math.Pow(10, e))
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.0f" y2="%.0f" stroke="#eee"/>`+"\n", left2, left2+pw, y, y)
	}
	// The 250 ms objective.
	yObj := float64(top+ph) - math.Log10(250)/logMax*ph
	if logMax >= math.Log10(250) {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.0f" y2="%.0f" stroke="#888" stroke-dasharray="4 3"/><text x="%d" y="%.0f" fill="#666">250 ms</text>`+"\n", left2, left2+pw, yObj, yObj, left2+pw-44, yObj-4)
	}
	for i, se := range all {
		var good, lat []string
		for _, p := range se.pts {
			x1 := float64(left1) + p.OfferedRPS/maxX*pw
			x2 := float64(left2) + p.OfferedRPS/maxX*pw
			good = append(good, fmt.Sprintf("%.1f,%.1f", x1, float64(top+ph)-p.GoodputRPS/maxGood*ph))
			l := math.Max(latMin, latencyOf(p))
			lat = append(lat, fmt.Sprintf("%.1f,%.1f", x2, float64(top+ph)-math.Log10(l)/logMax*ph))
		}
		for _, line := range [][]string{good, lat} {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", se.color, strings.Join(line, " "))
			for _, xy := range line {
				x, y, _ := strings.Cut(xy, ",")
				fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`+"\n", x, y, se.color)
			}
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", left1+10+i*200, h-22, se.color, left1+28+i*200, h-12, se.name)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// latencyOf is the admitted p99 a point is charted at: the server's own
// (a bucket bound) when it exports it, free of the generator's queueing.
func latencyOf(p Point) float64 {
	if p.ServerAdmittedP99MS >= 0 {
		return p.ServerAdmittedP99MS
	}
	return p.AdmittedP99MS
}
