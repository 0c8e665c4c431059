package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"rdv"
	"rdv/admission"
	"rdv/flagenv"
	"rdv/route"
	"rdv/waitroom"
)

// waitroomFlags are the waiting room's settings of rdv serve.
type waitroomFlags struct {
	Secret    string
	PerSecond float64
	Session   time.Duration
	AutoAfter time.Duration
}

func (f *waitroomFlags) register(fs *flag.FlagSet, env *flagenv.Reader) {
	fs.StringVar(&f.Secret, "waitroom-secret", env.String("RDV_WAITROOM_SECRET", ""), "the server's secret, at least 32 characters: it signs waiting-room tickets, and form (CSRF) tokens and operator passes derive their keys from it; instances behind one load balancer must share it (default: made at start, for this instance only) (env RDV_WAITROOM_SECRET)")
	fs.Float64Var(&f.PerSecond, "waitroom-rate", env.Float("RDV_WAITROOM_RATE", 50), "visitors the waiting room lets in per second at most, across every instance; fewer while admission control is refusing work (env RDV_WAITROOM_RATE)")
	fs.DurationVar(&f.Session, "waitroom-session", env.Duration("RDV_WAITROOM_SESSION", 15*time.Minute), "how long a visitor let in from the waiting room may browse (env RDV_WAITROOM_SESSION)")
	fs.DurationVar(&f.AutoAfter, "waitroom-auto-after", env.Duration("RDV_WAITROOM_AUTO_AFTER", 30*time.Second), "open the waiting room by itself once admission control has been shedding this long; 0: only operators open it (env RDV_WAITROOM_AUTO_AFTER)")
}

// serverSecret returns the server's one secret: --waitroom-secret, which
// signs the waiting room's tickets and from which the pages derive the
// keys of form tokens and operator passes, or, when none is given, one
// made for this instance alone.
func (m *Main) serverSecret(f waitroomFlags) []byte {
	if f.Secret != "" {
		return []byte(f.Secret)
	}
	m.Log.Warn("no --waitroom-secret given; made one for this instance only. Instances behind one load balancer must share one, or a waiting-room ticket, a form or an operator's pass from one is refused by the others")
	return waitroom.NewSecret()
}

// openWaitroom builds the waiting room over the store, opened by the
// operators' switch and, unless turned off, by sustained shedding.
func (m *Main) openWaitroom(f waitroomFlags, secret []byte, store rdv.Store, admit *admission.Controller, routes *route.Table, reg prometheus.Registerer) (*waitroom.Room, error) {
	shed := func() uint64 {
		var n uint64
		for _, c := range admit.Snapshot().Classes {
			n += c.Shed + c.TimedOut
		}
		return n
	}
	cfg := waitroom.Config{Secret: secret, PerSecond: f.PerSecond, Session: f.Session, Shed: shed, Through: routes.Through, Format: routes.Format}
	if f.AutoAfter > 0 {
		cfg.Auto = waitroom.Sustained(shed, f.AutoAfter)
	}
	room, err := waitroom.New(store, store, cfg, reg, m.Log)
	if err != nil {
		return nil, fmt.Errorf("--waitroom-*: %w", err)
	}
	return room, nil
}
