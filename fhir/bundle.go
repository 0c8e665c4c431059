package fhir

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Bundle is a search's page of resources, or an operation's answer.
type Bundle struct {
	ResourceType string       `json:"resourceType"`
	Type         string       `json:"type"`
	Total        *int         `json:"total,omitempty"`
	Link         []BundleLink `json:"link,omitempty"`
	Entry        []Entry      `json:"entry,omitempty"`
}

// BundleLink is a page's link: self, or next.
type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// Entry is one resource of a bundle.
type Entry struct {
	FullURL  string       `json:"fullUrl,omitempty"`
	Resource any          `json:"resource"`
	Search   *EntrySearch `json:"search,omitempty"`
}

// EntrySearch says why an entry is in a search's page: a match, or an
// OperationOutcome about the search ("outcome").
type EntrySearch struct {
	Mode string `json:"mode"`
}

// Page sizes: _count's default and its ceiling.
const (
	defaultCount = 20
	maxCount     = 100
)

// searchParams is a search's query, checked against the parameters the
// search supports: an unknown one is refused (not-supported) rather than
// ignored, so that a client never takes an unfiltered answer for a
// filtered one.
type searchParams struct {
	url.Values
	count int
	page  string
}

// commonParams are read by every search, or harmless everywhere.
var commonParams = []string{"_count", "_page", "_format", "_pretty"}

// parseSearch reads r's query, refusing parameters not in known.
func parseSearch(r *http.Request, known ...string) (searchParams, error) {
	q := r.URL.Query()
	for k := range q {
		if !slices.Contains(known, k) && !slices.Contains(commonParams, k) {
			return searchParams{}, notSupported(k)
		}
	}
	if f := q.Get("_format"); f != "" && f != "json" && !strings.Contains(f, "json") {
		return searchParams{}, notSupported("_format")
	}
	p := searchParams{Values: q, count: defaultCount, page: q.Get("_page")}
	if c := q.Get("_count"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 {
			return searchParams{}, badParam("_count")
		}
		p.count = min(n, maxCount)
	}
	if len(p.page) > 64 {
		return searchParams{}, badParam("_page")
	}
	return p, nil
}

// searchset makes a search's page: self names the page as asked, next
// the page after it when there is one (page "" for none).
func (s *Server) searchset(r *http.Request, p searchParams, entries []Entry, next string) Bundle {
	b := Bundle{ResourceType: "Bundle", Type: "searchset", Entry: entries}
	b.Link = append(b.Link, BundleLink{Relation: "self", URL: s.pageURL(r, p, p.page)})
	if next != "" {
		b.Link = append(b.Link, BundleLink{Relation: "next", URL: s.pageURL(r, p, next)})
	}
	return b
}

// pageURL is the absolute URL of the search r with its page set.
func (s *Server) pageURL(r *http.Request, p searchParams, page string) string {
	q := url.Values{}
	for k, v := range p.Values {
		if k != "_page" {
			q[k] = v
		}
	}
	if page != "" {
		q.Set("_page", page)
	}
	u := s.d.PublicURL + r.URL.Path
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return u
}

// match is a search's entry for a resource of type typ and id.
func (s *Server) match(typ, id string, res any) Entry {
	return Entry{FullURL: s.base + "/" + typ + "/" + id, Resource: res, Search: &EntrySearch{Mode: "match"}}
}

// pageOf cuts a page out of n items by offset: the page's bounds and the
// next page's token ("" at the end). A page token that is not an offset
// within the items is refused.
func pageOf(p searchParams, n int) (from, to int, next string, err error) {
	if p.page != "" {
		from, err = strconv.Atoi(p.page)
		if err != nil || from < 0 || from > n {
			return 0, 0, "", badParam("_page")
		}
	}
	to = min(from+p.count, n)
	if to < n && p.count > 0 {
		next = strconv.Itoa(to)
	}
	return from, to, next, nil
}

// paged answers a search over items already filtered: the page the
// query asks for, with its total.
func (s *Server) paged(w http.ResponseWriter, r *http.Request, p searchParams, entries []Entry) {
	from, to, next, err := pageOf(p, len(entries))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b := s.searchset(r, p, entries[from:to], next)
	total := len(entries)
	b.Total = &total
	s.write(w, r, http.StatusOK, b)
}

// tokens splits a search value's comma-separated alternatives.
func tokens(v string) []string {
	var out []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}
