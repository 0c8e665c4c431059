package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDiskFull fills the file system under the embedded database and the
// spool (a small tmpfs of its own) while patients book, keeps it full a
// moment, and gives the space back, again and again: while it is full,
// every request gets an answer (a booking or an error that says so,
// never a hang) and the server stays up; once space is back, bookings
// and requests are taken again without a restart, and the database file
// is sound.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	disk := mountSmallDisk(t, filepath.Join(dir, "disk"), 64)
	p := sqlitePlatform(t, disk)
	spool := filepath.Join(disk, "spool", "requests.spool")
	if err := os.Mkdir(filepath.Dir(spool), 0o700); err != nil {
		t.Fatal(err)
	}
	in := newInstance(t, dir, "rdv", append(p.serveArgs(), "--spool", spool)...)
	in.spool = spool
	in.Start()
	full := 700 * time.Millisecond
	if *long {
		full = 3 * time.Second
	}
	var windows []window // when the disk was full
	probe := &http.Client{Timeout: 10 * time.Second}
	out := fault{
		name:     fmt.Sprintf("disk full under SQLite and the spool (%s at a time)", full),
		platform: p,
		targets:  []string{in.URL()},
		strike: func(ctx context.Context, blow func()) {
			every(ctx, killEvery(), func() {
				filler := filepath.Join(disk, "filler")
				stopFilling := fill(t, filler)
				w := window{from: time.Now()}
				// A request form sent now finds the spool's disk full, but
				// for the odd moment the database's log gave some back.
				refused := 0
				for range 5 {
					status, body := postRequest(probe, in.URL(), "disque plein")
					switch {
					case status == http.StatusServiceUnavailable && strings.Contains(body, `"code":"unavailable"`):
						refused++
					case status != http.StatusCreated:
						t.Errorf("a request while the disk is full: status %d %s, want 503 unavailable", status, body)
					}
				}
				if refused == 0 {
					t.Error("five requests sent while the disk was full were all accepted")
				}
				time.Sleep(full)
				stopFilling()
				if err := os.Remove(filler); err != nil {
					t.Fatal(err)
				}
				w.to = time.Now()
				windows = append(windows, w)
				blow()
				if !in.Alive() {
					t.Fatal("the server died of a full disk")
				}
			})
		},
		settle: func() {
			in.waitSpoolReplayed()
			in.Stop()
		},
	}.run(t)
	wantIntegrity(t, p.db)

	// While the disk was full, every write got an answer: a booking, or
	// an error that names itself.
	var during, refused int
	for _, e := range out.entries {
		if !inWindows(windows, e.Sent) {
			continue
		}
		during++
		switch {
		case stoppedByRun(e):
		case e.Outcome.Status == 0:
			t.Errorf("%s %s sent while the disk was full: no answer (%s)", e.Op, e.Key, e.Outcome.Error)
		case e.Outcome.Status >= 400 && e.Outcome.Code == "":
			t.Errorf("%s %s sent while the disk was full: status %d without an error code", e.Op, e.Key, e.Outcome.Status)
		case e.Outcome.Status >= 500:
			refused++
		}
	}
	t.Logf("%d attempts while the disk was full, %d refused with an error", during, refused)
	if refused == 0 {
		t.Error("no write was refused while the disk was full: the fault did not bite")
	}
}

// window is a stretch of time.
type window struct{ from, to time.Time }

func inWindows(ws []window, t time.Time) bool {
	for _, w := range ws {
		if !t.Before(w.from) && t.Before(w.to) {
			return true
		}
	}
	return false
}

// mountSmallDisk mounts a tmpfs of mb megabytes at dir, unmounted when
// the test ends. Mounting needs root: elsewhere the test is skipped,
// except in CI, which runs as root.
func mountSmallDisk(t *testing.T, dir string, mb int) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm,mode=0700", mb), "tmpfs", dir).CombinedOutput() // #nosec G204 -- the test's own directory
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must run the full-disk fault: mount a tmpfs: %v %s", err, out)
		}
		t.Skipf("a small file system cannot be mounted here (%v %s): the full-disk fault needs root", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil { // #nosec G204 -- the test's own mount
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file at path until its file system is full, and keeps
// it full, taking whatever space others give back, until the function it
// returns is called.
func fill(t *testing.T, path string) (stop func()) {
	t.Helper()
	f, err := os.Create(path) // #nosec G304 -- the test's own file
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	for {
		_, err := f.Write(buf)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatalf("fill the disk: %v", err)
		}
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := f.Write(buf[:512]); err != nil {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		_ = f.Close()
	}
}

// postRequest files an appointment request and returns the answer.
func postRequest(c *http.Client, base, mark string) (int, string) {
	body := fmt.Sprintf(`{"patient":{"first_name":"Émilie","last_name":"Tremblay","birth_date":"1988-04-12","health_number":"TREE88541299",
		"phone":"514-555-0199"},"service":"general","place":"Montréal","radius_km":10,"availability":%q,"payment_token":"tok"}`, mark)
	res, err := c.Post(base+"/api/v1/requests", "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
