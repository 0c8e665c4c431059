package admission

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Prometheus series of admission control.
type metrics struct {
	requests *prometheus.CounterVec
	// counters are requests' series resolved once: looking a series up by
	// its labels hashes them, and every refusal pays for it.
	counters  [Exempt + 1][outcomes]prometheus.Counter
	queueWait [Exempt]prometheus.Observer
	refusal   prometheus.Histogram
	admitted  prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer, g *gate, cl *Controller) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rdv_admission_requests_total",
			Help: "Requests by priority class and admission outcome.",
		}, []string{"class", "outcome"}),
	}
	queueWait := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rdv_admission_queue_wait_seconds",
		Help:    "Time admitted requests waited for capacity.",
		Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1},
	}, []string{"class"})
	m.refusal = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "rdv_admission_refusal_seconds",
		Help:    "Time from a request's arrival to its refusal (429 or 503), inside the server.",
		Buckets: []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25},
	})
	m.admitted = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "rdv_admission_admitted_seconds",
		Help:    "Time from an admitted request's arrival to the end of its work (queue wait included), inside the server.",
		Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 1, 2.5},
	})
	limit := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "rdv_admission_concurrency_limit",
		Help: "Current adaptive concurrency limit.",
	}, func() float64 { return float64(g.state().limit) })
	inflight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "rdv_admission_in_flight",
		Help: "Admitted requests running now.",
	}, func() float64 { return float64(g.state().inflight) })
	queued := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "rdv_admission_queued",
		Help: "Requests waiting for capacity.",
	}, func() float64 {
		n := 0
		for _, v := range g.state().queued {
			n += v
		}
		return float64(n)
	})
	rate := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "rdv_admission_rate",
		Help: "Requests admitted per second, recently.",
	}, func() float64 { return cl.admissionRate() })
	// Pre-create every series so that dashboards see zeros, not gaps.
	for _, c := range classes {
		m.queueWait[c] = queueWait.WithLabelValues(c.String())
		for o := Outcome(0); o < outcomes; o++ {
			m.counters[c][o] = m.requests.WithLabelValues(c.String(), o.String())
		}
	}
	m.counters[Exempt][Admitted] = m.requests.WithLabelValues(Exempt.String(), Admitted.String())
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.requests, queueWait, m.refusal, m.admitted, limit, inflight, queued, rate} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
