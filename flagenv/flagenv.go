// Package flagenv reads the environment variables that stand in for absent
// flags (RDV_DB for --db, ...). It keeps every malformed value it meets, so
// that a bad setting stops the program at start with its name, instead of
// falling back silently to a default that nobody chose.
package flagenv

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Reader reads environment fallbacks and keeps their parse errors, since
// registering a flag cannot fail: check Err once the flags are parsed. An
// unset or empty variable gives the default.
type Reader struct{ errs []error }

// Err returns every malformed value read, joined, or nil.
func (r *Reader) Err() error { return errors.Join(r.errs...) }

func (r *Reader) lookup(name string) (string, bool) {
	s, ok := os.LookupEnv(name)
	return s, ok && s != ""
}

func (r *Reader) fail(name, value string, err error) {
	r.errs = append(r.errs, fmt.Errorf("environment variable %s=%q: %w", name, value, err))
}

// String returns the variable's value, or def.
func (r *Reader) String(name, def string) string {
	if s, ok := r.lookup(name); ok {
		return s
	}
	return def
}

// Int returns the variable as an int, or def.
func (r *Reader) Int(name string, def int) int {
	s, ok := r.lookup(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		r.fail(name, s, errors.New("not a whole number"))
		return def
	}
	return n
}

// Float returns the variable as a float, or def.
func (r *Reader) Float(name string, def float64) float64 {
	s, ok := r.lookup(name)
	if !ok {
		return def
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		r.fail(name, s, errors.New("not a number"))
		return def
	}
	return f
}

// Duration returns the variable as a duration ("1.5s", "5m"), or def.
func (r *Reader) Duration(name string, def time.Duration) time.Duration {
	s, ok := r.lookup(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		r.fail(name, s, errors.New("not a duration such as 30s or 5m"))
		return def
	}
	return d
}

// Bool returns the variable as a switch (see ParseOnOff), or def.
func (r *Reader) Bool(name string, def bool) bool {
	s, ok := r.lookup(name)
	if !ok {
		return def
	}
	b, err := ParseOnOff(s)
	if err != nil {
		r.fail(name, s, err)
		return def
	}
	return b
}

// ParseOnOff reads a switch: on, true, 1 or yes; off, false, 0 or no.
func ParseOnOff(s string) (bool, error) {
	switch s {
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("%q is neither on nor off", s)
}
