package api

import (
	"net/http"
	"strconv"

	"rdv"
)

// appendClinic appends the JSON of a clinic.
func appendClinic(b []byte, c rdv.Clinic) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, c.ID, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, c.Name)
	b = append(b, `,"address":`...)
	b = appendString(b, c.Address)
	b = append(b, `,"city":`...)
	b = appendString(b, c.City)
	b = append(b, `,"lat":`...)
	b = appendCoord(b, c.Lat)
	b = append(b, `,"lon":`...)
	b = appendCoord(b, c.Lon)
	b = append(b, `,"phone":`...)
	b = appendString(b, c.Phone)
	b = append(b, `,"services":[`...)
	for i, sv := range c.Services {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, string(sv))
	}
	b = append(b, `],"languages":[`...)
	for i, l := range c.Languages {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, l)
	}
	return append(b, "]}"...)
}

var hdrBrowseCache = []string{"public, max-age=60"}

// writeCached writes a JSON body that anyone may cache for a minute: the
// network's clinics change rarely.
func writeCached(w http.ResponseWriter, b []byte) {
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["Cache-Control"] = hdrBrowseCache
	h.Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b) // the client went away; nothing to do
}

// listClinics answers GET /api/v1/clinics: every clinic of the network,
// ordered by ID.
func (s *server) listClinics(w http.ResponseWriter, r *http.Request) {
	clinics := s.Index.Clinics()
	b := make([]byte, 0, 64+len(clinics)*256)
	b = append(b, `{"total":`...)
	b = strconv.AppendInt(b, int64(len(clinics)), 10)
	b = append(b, `,"clinics":[`...)
	for i, c := range clinics {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendClinic(b, c)
	}
	b = append(b, "]}\n"...)
	writeCached(w, b)
}

// getClinic answers GET /api/v1/clinics/{id}.
func (s *server) getClinic(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, ok := s.Index.Clinic(id)
	if !ok {
		s.fail(w, r, rdv.Errorf(rdv.ENOTFOUND, "clinic %d", id))
		return
	}
	writeCached(w, append(appendClinic(nil, c), '\n'))
}
