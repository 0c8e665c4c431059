package flood

import (
	"bufio"
	"context"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Histograms of the server that rdv flood reads: the time to refuse, and
// the time from arrival to the end of admitted work, both measured inside
// the server and so free of the load generator's own delays.
const (
	refusalHistogram  = "rdv_admission_refusal_seconds"
	admittedHistogram = "rdv_admission_admitted_seconds"
)

// serverBuckets reads the cumulative buckets of the server's histogram
// name from /metrics: upper bound in seconds → count. It returns nil when
// the server does not expose it.
func serverBuckets(ctx context.Context, base, name string) map[float64]float64 {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	out := map[float64]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	prefix := name + `_bucket{le="`
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), prefix)
		if !ok {
			continue
		}
		le, rest, ok := strings.Cut(line, `"}`)
		if !ok {
			continue
		}
		bound, err1 := strconv.ParseFloat(le, 64)
		n, err2 := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		if err1 == nil && err2 == nil {
			out[bound] = n
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// bucketQuantileMS returns the upper bound, in ms, of the bucket holding
// the q-quantile of the refusals counted between before and after; -1 when
// unknown.
func bucketQuantileMS(before, after map[float64]float64, q float64) float64 {
	if after == nil {
		return -1
	}
	bounds := make([]float64, 0, len(after))
	for b := range after {
		bounds = append(bounds, b)
	}
	sort.Float64s(bounds)
	total := after[math.Inf(1)] - before[math.Inf(1)]
	if total <= 0 {
		return -1
	}
	for _, b := range bounds {
		if after[b]-before[b] >= q*total {
			if math.IsInf(b, 1) {
				return -1
			}
			return b * 1000
		}
	}
	return -1
}
