// Package pgbackrest holds rdv's pgBackRest configuration for PostgreSQL
// (db.conf for the database host, repo.conf for the repository host,
// postgresql.conf for the server's settings) and runs it for tests and the
// restore drill: a throwaway PostgreSQL cluster of its own on a free port,
// archived over TLS to a repository owned by another OS user, as in
// production, on one machine.
//
// The shipped files are used as they are, with only the host names,
// ports and paths rewritten: a setting changed in them is a setting
// tested. It needs root (to run the database as postgres and the
// repository as pgbackrest, two OS users), Debian's pgbackrest and
// PostgreSQL's server programs; Available says what is missing.
package pgbackrest

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var (
	//go:embed db.conf
	dbConf string
	//go:embed repo.conf
	repoConf string
	//go:embed postgresql.conf
	postgresConf string
)

// Stanza is the name the configuration gives rdv's cluster.
const Stanza = "rdv"

// osUser is a user the rig runs programs as.
type osUser struct {
	name     string
	uid, gid uint32
}

func lookupUser(name string) (osUser, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return osUser{}, fmt.Errorf("OS user %s: %w (useradd --system %s)", name, err, name)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return osUser{name, uint32(uid), uint32(gid)}, nil
}

// pgBin finds PostgreSQL's server programs: Debian keeps them out of
// PATH, under /usr/lib/postgresql/VERSION/bin.
func pgBin() (string, error) {
	for _, v := range []string{"15", "16", "17", "14"} {
		dir := filepath.Join("/usr/lib/postgresql", v, "bin")
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL's initdb not found (apt-get install postgresql-15)")
}

// Available returns nil when this machine can run the rig, or what it
// lacks.
func Available() error {
	if _, err := exec.LookPath("pgbackrest"); err != nil {
		return errors.New("pgbackrest is not installed (apt-get install pgbackrest)")
	}
	if _, err := pgBin(); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("runs the database and the repository as two OS users, which needs root")
	}
	for _, name := range []string{"postgres", "pgbackrest"} {
		if _, err := lookupUser(name); err != nil {
			return err
		}
	}
	return nil
}

// Rig is a database "host" and a repository "host" on this machine: a
// PostgreSQL cluster run by postgres that archives its WAL, and a
// pgBackRest repository owned by pgbackrest, each behind its own
// pgBackRest TLS server.
type Rig struct {
	dir      string
	bin      string
	pg, repo osUser
	// Port is the cluster's; RepoPath the repository's directory.
	Port     int
	RepoPath string
	dbConf   string // the files written from the shipped ones
	repoConf string
	servers  []*exec.Cmd
	clusters []string // data directories started, stopped by Close
	cipher   string
}

// Start sets up the rig under dir (a new, empty directory), starts the
// cluster and both pgBackRest servers, and creates the stanza. Close
// stops everything.
func Start(ctx context.Context, dir string) (_ *Rig, err error) {
	if err := Available(); err != nil {
		return nil, err
	}
	r := &Rig{dir: dir, cipher: randomHex(32)}
	r.bin, _ = pgBin()
	r.pg, _ = lookupUser("postgres")
	r.repo, _ = lookupUser("pgbackrest")
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	// Both users walk through dir to their own parts of it; each part
	// is its owner's alone.
	if err := os.Chmod(dir, 0o711); err != nil { // #nosec G302 -- a directory both users must walk through; nothing can be listed or read in it
		return nil, err
	}
	for _, d := range []struct {
		name string
		u    osUser
		mode os.FileMode
	}{
		{"db", r.pg, 0o700}, {"db/tls", r.pg, 0o700}, {"db/log", r.pg, 0o700}, {"db/lock", r.pg, 0o700},
		{"db/run", r.pg, 0o700}, {"db/conf.d", r.pg, 0o700},
		{"repo", r.repo, 0o700}, {"repo/tls", r.repo, 0o700}, {"repo/log", r.repo, 0o700},
		{"repo/lock", r.repo, 0o700}, {"repo/data", r.repo, 0o750}, {"repo/conf.d", r.repo, 0o700},
	} {
		if err := r.mkdir(d.name, d.u, d.mode); err != nil {
			return nil, err
		}
	}
	r.RepoPath = r.path("repo/data")
	if err := r.writeCertificates(); err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	r.Port = ports[0]
	repoPort, dbPort := ports[1], ports[2]
	if err := r.writeConfigs(repoPort, dbPort); err != nil {
		return nil, err
	}
	data := r.path("db/data")
	if err := r.mkdir("db/data", r.pg, 0o700); err != nil {
		return nil, err
	}
	if err := r.run(ctx, r.pg, filepath.Join(r.bin, "initdb"), "--pgdata", data, "--username", "postgres",
		"--auth", "trust", "--encoding", "UTF8", "--data-checksums", "--no-sync"); err != nil {
		return nil, err
	}
	if err := r.configureCluster(data, r.Port, true); err != nil {
		return nil, err
	}
	if err := r.startCluster(ctx, data); err != nil {
		return nil, err
	}
	if err := r.startServer(r.repo, r.repoConf, repoPort); err != nil {
		return nil, err
	}
	if err := r.startServer(r.pg, r.dbConf, dbPort); err != nil {
		return nil, err
	}
	if err := r.Repo(ctx, "stanza-create"); err != nil {
		return nil, err
	}
	if err := r.Repo(ctx, "check"); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Rig) path(name string) string { return filepath.Join(r.dir, name) }

func (r *Rig) mkdir(name string, u osUser, mode os.FileMode) error {
	p := r.path(name)
	if err := os.Mkdir(p, mode); err != nil {
		return err
	}
	if err := os.Chmod(p, mode); err != nil {
		return err
	}
	return os.Chown(p, int(u.uid), int(u.gid))
}

// writeFile writes a file owned by u, readable by u only.
func writeFile(path, text string, u osUser) error {
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return err
	}
	return os.Chown(path, int(u.uid), int(u.gid))
}

// URL is the cluster's address for a PostgreSQL client.
func (r *Rig) URL() string { return clusterURL(r.Port) }

func clusterURL(port int) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
}

// Repo runs a pgBackRest command on the repository host, as pgbackrest
// ("backup", "--type=incr").
func (r *Rig) Repo(ctx context.Context, command string, args ...string) error {
	return r.pgbackrest(ctx, r.repo, r.repoConf, command, args...)
}

// DB runs a pgBackRest command on the database host, as postgres.
func (r *Rig) DB(ctx context.Context, command string, args ...string) error {
	return r.pgbackrest(ctx, r.pg, r.dbConf, command, args...)
}

// AsDatabaseUser runs a program as the database's OS user: what an
// attacker holding its credentials could do.
func (r *Rig) AsDatabaseUser(ctx context.Context, program string, args ...string) error {
	return r.run(ctx, r.pg, program, args...)
}

func (r *Rig) pgbackrest(ctx context.Context, u osUser, conf, command string, args ...string) error {
	all := append([]string{"--config=" + conf, "--config-include-path=" + filepath.Join(filepath.Dir(conf), "conf.d"),
		"--stanza=" + Stanza, "--log-level-console=warn"}, args...)
	return r.run(ctx, u, "pgbackrest", append(all, command)...)
}

// Backup takes a backup of type full, diff or incr from the repository
// host.
func (r *Rig) Backup(ctx context.Context, typ string) error {
	return r.Repo(ctx, "backup", "--type="+typ)
}

// RestoreTo restores the cluster as it was at target into a new data
// directory named name, starts it on a free port once it has replayed
// the WAL up to target, and returns its URL; it may still be replaying
// when its first connection succeeds (pg_is_in_recovery()). Archiving
// is off in the restored cluster: it must not push a new history into
// the repository the original still writes to.
func (r *Rig) RestoreTo(ctx context.Context, target time.Time, name string) (url string, err error) {
	if err := r.mkdir("db/"+name, r.pg, 0o700); err != nil {
		return "", err
	}
	data := r.path("db/" + name)
	if err := r.DB(ctx, "restore", "--pg1-path="+data, "--type=time",
		"--target="+target.UTC().Format("2006-01-02 15:04:05.999999-07"), "--target-action=promote"); err != nil {
		return "", err
	}
	ports, err := freePorts(1)
	if err != nil {
		return "", err
	}
	if err := r.configureCluster(data, ports[0], false); err != nil {
		return "", err
	}
	if err := r.startCluster(ctx, data); err != nil {
		return "", err
	}
	return clusterURL(ports[0]), nil
}

// configureCluster appends the shipped PostgreSQL settings to the
// cluster's configuration, with its port and, when archiving, the
// archive command pointed at this rig's configuration.
func (r *Rig) configureCluster(data string, port int, archive bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\n# rig\nport = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n", port, r.path("db/run"))
	fmt.Fprintf(&b, "fsync = off\nshared_buffers = 16MB\nmax_connections = 20\n")
	settings := strings.ReplaceAll(postgresConf, "pgbackrest --stanza=rdv",
		fmt.Sprintf("pgbackrest --config=%s --config-include-path=%s --stanza=rdv", r.dbConf, r.path("db/conf.d")))
	if !strings.Contains(settings, r.dbConf) {
		return errors.New("postgresql.conf: the archive command is not 'pgbackrest --stanza=rdv archive-push %p'")
	}
	b.WriteString(settings)
	if !archive {
		b.WriteString("\narchive_mode = off\n")
	}
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0) // #nosec G304 -- the rig's own cluster directory
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(b.String())
	return err
}

func (r *Rig) startCluster(ctx context.Context, data string) error {
	if err := r.run(ctx, r.pg, filepath.Join(r.bin, "pg_ctl"), "--pgdata", data, "--log", data+".log",
		"--wait", "--timeout", "60", "start"); err != nil {
		log, _ := os.ReadFile(data + ".log") // #nosec G304 -- the rig's own cluster log
		return fmt.Errorf("%w\n%s", err, log)
	}
	r.clusters = append(r.clusters, data)
	return nil
}

// startServer starts a pgBackRest TLS server as u and waits until it
// accepts connections.
func (r *Rig) startServer(u osUser, conf string, port int) error {
	cmd := r.command(context.Background(), u, "pgbackrest", "--config="+conf,
		"--config-include-path="+filepath.Join(filepath.Dir(conf), "conf.d"), "server")
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the pgBackRest server of %s: %w", u.name, err)
	}
	r.servers = append(r.servers, cmd)
	for range 100 {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the pgBackRest server of %s does not listen on port %d", u.name, port)
}

// Close stops the clusters and the servers. The directory stays for the
// caller to remove.
func (r *Rig) Close() {
	for _, data := range r.clusters {
		_ = r.run(context.Background(), r.pg, filepath.Join(r.bin, "pg_ctl"), "--pgdata", data, "--mode", "immediate", "--wait", "stop")
	}
	for _, s := range r.servers {
		_ = s.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = s.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = s.Process.Kill()
			<-done
		}
	}
	r.clusters, r.servers = nil, nil
}

func (r *Rig) command(ctx context.Context, u osUser, program string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, program, args...) // #nosec G204 -- the rig runs PostgreSQL's and pgBackRest's programs with arguments it builds itself
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: u.uid, Gid: u.gid}}
	cmd.Dir = r.dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + r.dir, "LANG=C.UTF-8", "TZ=UTC"}
	if u == r.repo {
		// The repository's passphrase, from the environment as
		// repo.conf asks.
		cmd.Env = append(cmd.Env, "PGBACKREST_REPO1_CIPHER_PASS="+r.cipher)
	}
	return cmd
}

// run runs program as u and returns its output in the error when it
// fails.
func (r *Rig) run(ctx context.Context, u osUser, program string, args ...string) error {
	out, err := r.command(ctx, u, program, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s (as %s): %w\n%s", filepath.Base(program), strings.Join(args, " "), u.name, err, out)
	}
	return nil
}

// freePorts returns n ports free on the loopback address now.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// rewrite returns the ini text with the settings of over replaced in
// their sections (or added at the section's end), and fails when a
// setting to replace names a section the text lacks.
func rewrite(text string, over map[string]map[string]string) (string, error) {
	var out []string
	section := ""
	done := map[string]bool{}
	flush := func() {
		for k, v := range over[section] {
			if !done[section+"/"+k] {
				out = append(out, k+"="+v)
				done[section+"/"+k] = true
			}
		}
	}
	lines := bufio.NewScanner(strings.NewReader(text))
	for lines.Scan() {
		line := lines.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]") {
			flush()
			section = strings.Trim(trimmed, "[]")
			out = append(out, line)
			continue
		}
		if k, _, ok := strings.Cut(trimmed, "="); ok && !strings.HasPrefix(trimmed, "#") {
			if v, ok := over[section][k]; ok {
				out = append(out, k+"="+v)
				done[section+"/"+k] = true
				continue
			}
		}
		out = append(out, line)
	}
	flush()
	for s := range over {
		if !strings.Contains(text, "["+s+"]") {
			return "", fmt.Errorf("no section [%s]", s)
		}
	}
	return strings.Join(out, "\n") + "\n", nil
}

// writeConfigs writes the shipped configurations with this machine's
// hosts, ports and paths.
func (r *Rig) writeConfigs(repoPort, dbPort int) error {
	dbTLS, repoTLS := r.path("db/tls"), r.path("repo/tls")
	db, err := rewrite(dbConf, map[string]map[string]string{
		"global": {
			"repo1-host": "127.0.0.1", "repo1-host-port": strconv.Itoa(repoPort),
			"repo1-host-ca-file": dbTLS + "/ca.crt", "repo1-host-cert-file": dbTLS + "/db-client.crt", "repo1-host-key-file": dbTLS + "/db-client.key",
			"tls-server-address": "127.0.0.1", "tls-server-port": strconv.Itoa(dbPort),
			"tls-server-ca-file": dbTLS + "/ca.crt", "tls-server-cert-file": dbTLS + "/db-server.crt", "tls-server-key-file": dbTLS + "/db-server.key",
			"log-path": r.path("db/log"), "lock-path": r.path("db/lock"),
			// Where the other host's configuration is, for the commands
			// it runs on our behalf; production keeps the default.
			"repo1-host-config": r.path("repo/pgbackrest.conf"), "repo1-host-config-include-path": r.path("repo/conf.d"),
		},
		Stanza: {"pg1-path": r.path("db/data"), "pg1-port": strconv.Itoa(r.Port), "pg1-socket-path": r.path("db/run")},
	})
	if err != nil {
		return fmt.Errorf("db.conf: %w", err)
	}
	repo, err := rewrite(repoConf, map[string]map[string]string{
		"global": {
			"repo1-path":         r.RepoPath,
			"tls-server-address": "127.0.0.1", "tls-server-port": strconv.Itoa(repoPort),
			"tls-server-ca-file": repoTLS + "/ca.crt", "tls-server-cert-file": repoTLS + "/repo-server.crt", "tls-server-key-file": repoTLS + "/repo-server.key",
			"log-path": r.path("repo/log"), "lock-path": r.path("repo/lock"),
		},
		Stanza: {
			"pg1-host": "127.0.0.1", "pg1-host-port": strconv.Itoa(dbPort),
			"pg1-host-ca-file": repoTLS + "/ca.crt", "pg1-host-cert-file": repoTLS + "/repo-client.crt", "pg1-host-key-file": repoTLS + "/repo-client.key",
			"pg1-path": r.path("db/data"), "pg1-port": strconv.Itoa(r.Port), "pg1-socket-path": r.path("db/run"),
			"pg1-host-config": r.path("db/pgbackrest.conf"), "pg1-host-config-include-path": r.path("db/conf.d"),
		},
	})
	if err != nil {
		return fmt.Errorf("repo.conf: %w", err)
	}
	r.dbConf, r.repoConf = r.path("db/pgbackrest.conf"), r.path("repo/pgbackrest.conf")
	if err := writeFile(r.dbConf, db, r.pg); err != nil {
		return err
	}
	return writeFile(r.repoConf, repo, r.repo)
}
