package web

import (
	"net/http"
	"strconv"

	"rdv"
)

// accountsData is what the operators' list of staff accounts shows: each
// account, with its live sessions' count.
type accountsData struct {
	Accounts []accountRow
	Revoked  int // sessions just ended, -1: none was
}

type accountRow struct {
	rdv.Account
	Sessions int
}

// operatorAccounts lists every staff account, for an operator who must
// end all the sessions of one (a stolen laptop, a staff member who left).
func (s *Server) operatorAccounts(w http.ResponseWriter, r *http.Request) {
	all, err := s.d.Store.Accounts(r.Context(), 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.now()
	rows := make([]accountRow, 0, len(all))
	for _, a := range all {
		list, err := s.d.Store.Sessions(r.Context(), a.ID, now)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rows = append(rows, accountRow{a, len(list)})
	}
	data := accountsData{Accounts: rows, Revoked: -1}
	if k, err := strconv.Atoi(r.URL.Query().Get("fermees")); err == nil && k >= 0 {
		data.Revoked = k
	}
	p := &page{Title: "op.accounts.title", Data: data}
	s.render(w, r, http.StatusOK, "operator_accounts", p)
}

// revokeAccountSessions ends every session of an account, and its
// sign-ins under way, at once.
func (s *Server) revokeAccountSessions(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	if _, err := s.d.Store.Account(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.d.Store.RevokeSessions(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	op, _ := s.account(r)
	s.log.InfoContext(r.Context(), "sessions revoked by an operator", "account", id, "operator", op.ID, "sessions", n)
	http.Redirect(w, r, "/operateur/comptes?fermees="+strconv.Itoa(n), http.StatusSeeOther)
}
