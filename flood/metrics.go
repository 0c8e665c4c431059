package flood

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Series of the server that rdv flood reads: the time to refuse, and
// the time from arrival to the end of admitted work, both measured inside
// the server and so free of the load generator's own delays.
const (
	refusalHistogram  = "rdv_admission_refusal_seconds"
	admittedHistogram = "rdv_admission_admitted_seconds"
	requestsCounter   = "rdv_admission_requests_total"
)

// serverStats is one scrape of the server's /metrics: the two
// histograms, and the requests it admitted (exempt ones aside).
type serverStats struct {
	refusal, admitted map[float64]float64
	admittedCount     float64
}

// metricsURLs checks the --metrics flag: "" for off, else one or more
// http(s) URLs separated by commas, each with the /metrics path when it
// names none. A platform of several instances behind an edge has one page
// per instance, and its counts are their sums.
func metricsURLs(raw string) (string, error) {
	if raw == "" || raw == "off" {
		return "", nil
	}
	var pages []string
	for one := range strings.SplitSeq(raw, ",") {
		u, err := metricsURL(strings.TrimSpace(one))
		if err != nil {
			return "", err
		}
		if u == "" {
			return "", fmt.Errorf("flood: metrics %q: an empty page in the list", raw)
		}
		pages = append(pages, u)
	}
	return strings.Join(pages, ","), nil
}

// metricsURL checks one metrics page: "" for off, else an http(s) URL,
// with the /metrics path when it names none.
func metricsURL(raw string) (string, error) {
	if raw == "" || raw == "off" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("flood: metrics %q: want an http:// URL, or off", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/metrics"
	}
	return u.String(), nil
}

// scrape reads the servers' admission metrics from their metrics pages
// (comma-separated) and sums them; nil when there is none ("") or one of
// them cannot be read: a sum missing an instance would be taken for a
// drop in goodput.
func scrape(ctx context.Context, pages string) *serverStats {
	if pages == "" {
		return nil
	}
	sum := &serverStats{refusal: map[float64]float64{}, admitted: map[float64]float64{}}
	for page := range strings.SplitSeq(pages, ",") {
		st := scrapeOne(ctx, page)
		if st == nil {
			return nil
		}
		sum.admittedCount += st.admittedCount
		for b, n := range st.refusal {
			sum.refusal[b] += n
		}
		for b, n := range st.admitted {
			sum.admitted[b] += n
		}
	}
	return sum
}

// scrapeOne reads one server's admission metrics; nil when its page
// cannot be read or does not expose them.
func scrapeOne(ctx context.Context, page string) *serverStats {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
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
	st := &serverStats{refusal: map[float64]float64{}, admitted: map[float64]float64{}}
	found := false
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, requestsCounter+"{"); ok {
			labels, value, ok := strings.Cut(rest, "} ")
			if ok && strings.Contains(labels, `outcome="admitted"`) && !strings.Contains(labels, `class="exempt"`) {
				if n, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
					st.admittedCount += n
					found = true
				}
			}
			continue
		}
		for name, into := range map[string]map[float64]float64{refusalHistogram: st.refusal, admittedHistogram: st.admitted} {
			rest, ok := strings.CutPrefix(line, name+`_bucket{le="`)
			if !ok {
				continue
			}
			le, value, ok := strings.Cut(rest, `"}`)
			if !ok {
				continue
			}
			bound, err1 := strconv.ParseFloat(le, 64)
			n, err2 := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err1 == nil && err2 == nil {
				into[bound] = n
				found = true
			}
		}
	}
	if !found {
		return nil
	}
	return st
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
