package main

import (
	"rdv/admission"
	"rdv/waitroom"
	"rdv/web"
)

// loadSnapshot reads admission control's live state for the operators'
// load page.
func loadSnapshot(admit *admission.Controller) func() web.LoadSnapshot {
	return func() web.LoadSnapshot {
		a := admit.Snapshot()
		s := web.LoadSnapshot{
			Adaptive:      a.Adaptive,
			ClientLimits:  a.ClientLimits,
			Limit:         a.Limit,
			InFlight:      a.InFlight,
			Queued:        a.Queued,
			Latency:       a.Latency,
			AdmissionRate: a.AdmissionRate,
		}
		for _, c := range a.Classes {
			s.Classes = append(s.Classes, web.LoadClass{Class: c.Class, Queued: c.Queued, Admitted: c.Admitted,
				Shed: c.Shed, RateLimited: c.RateLimited, TimedOut: c.TimedOut})
		}
		return s
	}
}

// waitingRoomSnapshot reads the waiting room's state for the same page.
func waitingRoomSnapshot(room *waitroom.Room) func() web.WaitingRoomSnapshot {
	return func() web.WaitingRoomSnapshot {
		r := room.Snapshot()
		return web.WaitingRoomSnapshot{Open: r.Open, OperatorOn: r.OperatorOn, Issued: r.Issued,
			AdmittedThrough: r.AdmittedThrough, Waiting: r.Waiting, AdmissionRate: r.AdmissionRate}
	}
}
