package web

import (
	"fmt"
	"net/url"
	"strings"
)

// ParsePublicURL checks the site's public address, as people reach it
// (https://rdv.example.org), and returns it without a trailing slash.
// Links that leave the site whole, such as the appointment link staff
// read to a caller, are built from it and never from the request's Host
// header, which the client chooses: a request with "Host: evil.example"
// must not put evil.example in front of a patient's cancel token.
func ParsePublicURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
		return "", fmt.Errorf("public URL %q: want http:// or https:// and a host, with no path", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}
