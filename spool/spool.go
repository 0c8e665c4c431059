// Package spool keeps appointment requests safe when the database is not:
// every request is appended to a local file and fsync'd before the person
// gets a reference number, and a replayer writes the spooled requests into
// the store, in arrival order, once each, whenever the store answers.
//
// Every request goes through the spool, not only those that arrive while
// the database is down. One path means no guess about the database's
// health that can be wrong in the middle of a write, the answer costs a
// local fsync whatever the database is doing, and arrival order is the
// spool's order by construction. The price is that a request reaches the
// store a few milliseconds after it is acknowledged.
//
// Exactly once: the reference is chosen when the request is received and
// the store's AddRequest is idempotent on it, so a request replayed again
// after a crash between the store's commit and the spool's checkpoint
// changes nothing.
//
// Who filed a request travels with it: a record keeps the caller that
// ctx names when it is spooled, and the replay stores it in that name,
// so that the audit trail's entry of the request says who filed it, not
// the replayer.
package spool

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"rdv"
	"rdv/fieldcrypt"
)

// Spool is a durable, append-only queue of appointment requests in front
// of a store. It is safe for concurrent use.
type Spool struct {
	path  string
	store rdv.RequestStore
	keys  *fieldcrypt.Keys
	log   *slog.Logger
	now   func() time.Time

	mu      sync.Mutex // serialises appends, checkpoints and compaction
	f       *os.File   // the spool, opened for appending
	size    int64      // bytes appended and synced
	done    int64      // bytes replayed into the store (the checkpoint)
	pending int        // records appended and not yet replayed
	closed  bool

	wake chan struct{} // a record was appended
}

// Options tune a spool. The zero value is usable.
type Options struct {
	Log *slog.Logger
	Now func() time.Time // nil: time.Now
	// Keys seal the patient's data in the spool's records as the store
	// seals them in its tables (package fieldcrypt); nil keeps them in
	// clear.
	Keys *fieldcrypt.Keys
}

// Open opens (or creates) the spool at path, feeding store. Records that
// an earlier process spooled and did not replay are replayed by Run. A
// torn last record (a crash in the middle of an append that was therefore
// never acknowledged) is cut off.
func Open(path string, store rdv.RequestStore, opts Options) (*Spool, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Spool{path: path, store: store, keys: opts.Keys, log: opts.Log, now: opts.Now, wake: make(chan struct{}, 1)}
	done, err := readCheckpoint(s.checkpointPath())
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600) // #nosec G304 -- the spool file the operator named
	if err != nil {
		return nil, fmt.Errorf("open spool: %w", err)
	}
	valid, pending, err := scanValid(f, done)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if err := f.Truncate(valid); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("cut the torn end of the spool: %w", err)
	}
	if _, err := f.Seek(valid, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("open spool: %w", err)
	}
	if done > valid {
		done = 0 // the spool was compacted after the checkpoint was read
	}
	s.f, s.size, s.done, s.pending = f, valid, done, pending
	if pending > 0 {
		s.log.Info("spooled appointment requests to replay", "count", pending)
	}
	return s, nil
}

// Accept spools r, durably, and returns it with its reference, status and
// reception time. Only the spool's disk can make it fail. A caller that
// had to name the request before (its fee's authorisation is keyed by
// the reference: rdv/fees) gives the reference, from NewReference.
func (s *Spool) Accept(ctx context.Context, r rdv.AppointmentRequest) (rdv.AppointmentRequest, error) {
	if err := ctx.Err(); err != nil {
		return rdv.AppointmentRequest{}, err
	}
	r.ID = 0
	if r.Reference == "" {
		r.Reference = NewReference()
	}
	r.Status = rdv.RequestOpen
	r.ReceivedAt = s.now().UTC().Truncate(time.Millisecond)
	rec, err := encode(sealRequest(s.keys, r, rdv.ActorFrom(ctx)))
	if err != nil {
		return rdv.AppointmentRequest{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return rdv.AppointmentRequest{}, rdv.Errorf(rdv.EUNAVAILABLE, "spool closed")
	}
	if _, err := s.f.Write(rec); err != nil {
		s.cutBack()
		return rdv.AppointmentRequest{}, rdv.Errorf(rdv.EUNAVAILABLE, "append to the spool: %v", err)
	}
	if err := s.f.Sync(); err != nil {
		s.cutBack()
		return rdv.AppointmentRequest{}, rdv.Errorf(rdv.EUNAVAILABLE, "sync the spool: %v", err)
	}
	s.size += int64(len(rec))
	s.pending++
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return r, nil
}

// cutBack drops a partly written record so that the next append starts
// on a record boundary. Called with s.mu held.
func (s *Spool) cutBack() {
	if err := s.f.Truncate(s.size); err != nil {
		s.log.Error("spool: cannot cut back a failed append", "err", err)
	}
	_, _ = s.f.Seek(s.size, io.SeekStart)
}

// Pending returns how many accepted requests are not in the store yet.
func (s *Spool) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// Close closes the spool file. Run must have returned first.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("close spool: %w", err)
	}
	return nil
}

func (s *Spool) checkpointPath() string { return checkpointOf(s.path) }

// checkpointOf names the checkpoint file of the spool at path.
func checkpointOf(path string) string { return path + ".done" }

// NewReference returns a fresh request reference, like "D-7KQ4-M2XH-9RTB":
// 60 random bits in Crockford's base32 (no I, L, O, U), easy to read out
// on the phone, and unique across instances without asking the database.
func NewReference() string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	v := binary.BigEndian.Uint64(b[:])
	out := []byte("D-XXXX-XXXX-XXXX")
	for i := len(out) - 1; i >= 2; i-- {
		if out[i] == '-' {
			continue
		}
		out[i] = alphabet[v&31]
		v >>= 5
	}
	return string(out)
}

// A record is one line: the CRC-32 of the JSON in hex, a space, the JSON
// of the request, a newline. The checksum finds a torn append after a
// crash.
func encode(r record) ([]byte, error) {
	js, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	rec := make([]byte, 0, len(js)+10)
	rec = fmt.Appendf(rec, "%08x ", crc32.ChecksumIEEE(js))
	rec = append(rec, js...)
	return append(rec, '\n'), nil
}

func decode(line []byte) (record, error) {
	var r record
	sum, js, ok := bytes.Cut(bytes.TrimSuffix(line, []byte("\n")), []byte(" "))
	if !ok || len(line) == 0 || line[len(line)-1] != '\n' {
		return r, errors.New("torn spool record")
	}
	want, err := strconv.ParseUint(string(sum), 16, 32)
	if err != nil || uint32(want) != crc32.ChecksumIEEE(js) {
		return r, errors.New("spool record fails its checksum")
	}
	if err := json.Unmarshal(js, &r); err != nil {
		return r, fmt.Errorf("decode spool record: %w", err)
	}
	return r, nil
}

// record is what a spool line keeps of a request: the request with its
// patient's data sealed (sealRequest), the birth date, a date in the
// request, apart as text; and who filed it, their address sealed too (a
// record written before callers were kept has none: the platform).
type record struct {
	rdv.AppointmentRequest
	SealedBirthDate string     `json:",omitempty"`
	FiledBy         *rdv.Actor `json:",omitempty"`
}

// sealRequest seals the patient's data of r, and the address of who
// filed it, for a record: a copy of the spool shows no name, birth date,
// health number, phone, email or address.
func sealRequest(k *fieldcrypt.Keys, r rdv.AppointmentRequest, by rdv.Actor) record {
	if k == nil {
		return record{AppointmentRequest: r, FiledBy: &by}
	}
	r.FirstName, r.LastName, r.HealthNumber = k.Seal(r.FirstName), k.Seal(r.LastName), k.Seal(r.HealthNumber)
	r.Phone, r.Email = k.Seal(r.Phone), k.Seal(r.Email)
	birth := k.Seal(r.BirthDate.String())
	r.BirthDate = rdv.Date{}
	by.Address = k.Seal(by.Address)
	return record{AppointmentRequest: r, SealedBirthDate: birth, FiledBy: &by}
}

// filedBy opens who filed the request of rec: the platform when the
// record does not say.
func filedBy(k *fieldcrypt.Keys, rec record) (rdv.Actor, error) {
	if rec.FiledBy == nil {
		return rdv.Actor{Kind: rdv.ActorSystem}, nil
	}
	by := *rec.FiledBy
	var err error
	if by.Address, err = k.Open(by.Address); err != nil {
		return rdv.Actor{}, fmt.Errorf("open spooled request %s: %w", rec.Reference, err)
	}
	return by, nil
}

// openRequest opens what sealRequest sealed; a record written in clear
// opens as it is. A record of a key no longer loaded fails, and the replay
// stops there rather than skip it.
func openRequest(k *fieldcrypt.Keys, rec record) (rdv.AppointmentRequest, error) {
	r := rec.AppointmentRequest
	var err error
	for _, f := range []*string{&r.FirstName, &r.LastName, &r.HealthNumber, &r.Phone, &r.Email} {
		if *f, err = k.Open(*f); err != nil {
			return rdv.AppointmentRequest{}, fmt.Errorf("open spooled request %s: %w", r.Reference, err)
		}
	}
	if rec.SealedBirthDate != "" {
		birth, err := k.Open(rec.SealedBirthDate)
		if err != nil {
			return rdv.AppointmentRequest{}, fmt.Errorf("open spooled request %s: %w", r.Reference, err)
		}
		if r.BirthDate, err = rdv.ParseDate(birth); err != nil {
			return rdv.AppointmentRequest{}, fmt.Errorf("open spooled request %s: %w", r.Reference, err)
		}
	}
	return r, nil
}

// scanValid returns the length of the spool's valid prefix and how many
// records past done it holds.
func scanValid(f *os.File, done int64) (valid int64, pending int, err error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, 0, fmt.Errorf("read spool: %w", err)
	}
	br := bufio.NewReader(f)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if _, derr := decode(line); derr != nil {
				return valid, pending, nil
			}
			if valid >= done {
				pending++
			}
			valid += int64(len(line))
		}
		if errors.Is(err, io.EOF) {
			return valid, pending, nil
		}
		if err != nil {
			return 0, 0, fmt.Errorf("read spool: %w", err)
		}
	}
}

// Unreplayed counts the records of the spool file at path past its
// checkpoint, read from outside the server that writes it: the requests
// accepted and not yet in the store. A spool not yet created holds none.
func Unreplayed(path string) (int, error) {
	data, err := os.ReadFile(path) // #nosec G304 -- a spool file named by its reader
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read spool: %w", err)
	}
	done, err := readCheckpoint(checkpointOf(path))
	if err != nil {
		return 0, err
	}
	if done > int64(len(data)) {
		return 0, nil // compacted between the two reads
	}
	return bytes.Count(data[done:], []byte("\n")), nil
}

func readCheckpoint(path string) (int64, error) {
	b, err := os.ReadFile(path) // #nosec G304 -- the spool's checkpoint, beside the spool file
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read spool checkpoint: %w", err)
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("spool checkpoint %q is corrupt", b)
	}
	return n, nil
}

// writeCheckpoint replaces the checkpoint atomically: a temporary file,
// synced, renamed over the old one, and the directory synced.
func writeCheckpoint(path string, n int64) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.FormatInt(n, 10)+"\n"), 0o600); err != nil {
		return fmt.Errorf("write spool checkpoint: %w", err)
	}
	f, err := os.Open(tmp) // #nosec G304 -- the spool's checkpoint, beside the spool file
	if err != nil {
		return fmt.Errorf("write spool checkpoint: %w", err)
	}
	err = f.Sync()
	_ = f.Close()
	if err != nil {
		return fmt.Errorf("sync spool checkpoint: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write spool checkpoint: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir) // #nosec G304 -- the spool's directory
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
