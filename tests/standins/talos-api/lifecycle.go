// The stand-in's lifecycle part (with -maintenance): a node starts in maintenance mode, takes its first
// machine config there without client certificates (Talos's maintenance service), installs and
// boots configured; from then on it speaks mutual TLS with the config's own Talos CA (machine.ca; a
// worker, whose config has no CA key, gets its serving certificate from a control plane, as trustd
// gives it). ApplyConfiguration decides the mode as Talos does (AUTO: NO_REBOOT when only fields that
// Talos applies immediately changed, else REBOOT; NO_REBOOT/TRY refused when a reboot is needed;
// STAGED kept for the next reboot; dry run answers without change). Bootstrap works exactly once;
// etcd members are the bootstrap node and every control plane configured after it; a graceful Reset
// leaves etcd (refused when it is the only member or another member is unhealthy), wipes the config
// and halts or reboots into maintenance mode. Kubeconfig gives the stand-in's kubeconfig.
// Not modelled: config validation (Talos's own Validate), TRY's rollback timer, the Events API that
// talosctl's and the provider's action trackers watch, apid proxying to another node.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/api/common"
	"github.com/siderolabs/talos/pkg/machinery/api/machine"
	"github.com/siderolabs/talos/pkg/machinery/api/storage"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"gopkg.in/yaml.v3"
)

func (c *cluster) isMember(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.members[name]
}

func (c *cluster) leader() string {
	for _, n := range c.nodes {
		if c.isMember(n.name) {
			return n.name
		}
	}
	return ""
}

func (s *server) etcdRunning() error {
	if err := s.configured("etcd"); err != nil {
		return err
	}
	if s.n.role != "controlplane" {
		return status.Error(codes.FailedPrecondition, "etcd runs only on control planes")
	}
	if !s.c.isMember(s.n.name) {
		return status.Error(codes.Unavailable, "etcd is not running on this node (not a member)")
	}
	return nil
}

// --- machine configs ---

type parsedConfig struct {
	v1alpha1 map[string]any
	others   []map[string]any
}

func parseConfig(b []byte) (*parsedConfig, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	pc := &parsedConfig{}
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("failed to parse config: %w", err)
		}
		if doc == nil {
			continue
		}
		if doc["version"] == "v1alpha1" {
			pc.v1alpha1 = doc
		} else {
			pc.others = append(pc.others, doc)
		}
	}
	if pc.v1alpha1 == nil {
		return nil, errors.New("failed to parse config: no v1alpha1 document")
	}
	return pc, nil
}

func sub(m map[string]any, k string) map[string]any { v, _ := m[k].(map[string]any); return v }
func strOf(m map[string]any, k string) string       { v, _ := m[k].(string); return v }

func (pc *parsedConfig) machineType() string { return strOf(sub(pc.v1alpha1, "machine"), "type") }

// canApplyImmediate follows Talos's Runtime.CanApplyImmediate (v1.12): the v1alpha1 document may
// differ only in the fields Talos applies without a reboot.
func canApplyImmediate(cur, next *parsedConfig) error {
	strip := func(doc map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range doc {
			if k != "debug" && k != "cluster" {
				out[k] = v
			}
		}
		if m := sub(doc, "machine"); m != nil {
			mm := map[string]any{}
			for k, v := range m {
				switch k {
				case "ca", "acceptedCAs", "time", "certSANs", "install", "network", "sysfs", "sysctls", "logging", "controlPlane",
					"kubelet", "kernel", "registries", "pods", "seccompProfiles", "nodeAnnotations", "nodeLabels", "nodeTaints":
					continue
				case "features":
					f := map[string]any{}
					for fk, fv := range v.(map[string]any) {
						switch fk {
						case "kubernetesTalosAPIAccess", "kubePrism", "hostDNS", "imageCache", "nodeAddressSortAlgorithm":
						default:
							f[fk] = fv
						}
					}
					mm[k] = f
				default:
					mm[k] = v
				}
			}
			out["machine"] = mm
		}
		return out
	}
	a, b := strip(cur.v1alpha1), strip(next.v1alpha1)
	if reflect.DeepEqual(a, b) {
		return nil
	}
	// name what differs (Talos prints the whole diff), one level into machine and its features
	var differ []string
	keys := func(x, y map[string]any) []string {
		seen := map[string]bool{}
		var out []string
		for k := range x {
			seen[k] = true
			out = append(out, k)
		}
		for k := range y {
			if !seen[k] {
				out = append(out, k)
			}
		}
		sort.Strings(out)
		return out
	}
	for _, k := range keys(a, b) {
		if reflect.DeepEqual(a[k], b[k]) {
			continue
		}
		am, _ := a[k].(map[string]any)
		bm, _ := b[k].(map[string]any)
		if k != "machine" || am == nil || bm == nil {
			differ = append(differ, k)
			continue
		}
		for _, mk := range keys(am, bm) {
			if reflect.DeepEqual(am[mk], bm[mk]) {
				continue
			}
			af, _ := am[mk].(map[string]any)
			bf, _ := bm[mk].(map[string]any)
			if mk != "features" || af == nil || bf == nil {
				differ = append(differ, "machine."+mk)
				continue
			}
			for _, fk := range keys(af, bf) {
				if !reflect.DeepEqual(af[fk], bf[fk]) {
					differ = append(differ, "machine.features."+fk)
				}
			}
		}
	}
	return fmt.Errorf("this config change can't be applied in immediate mode (%s)", strings.Join(differ, ", "))
}

// --- TLS: what a node presents and whom it accepts ---

func decodePEM(b64 string) []byte {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil
	}
	return b
}

func parseKey(pemBytes []byte) (crypto.Signer, error) {
	blk, _ := pem.Decode(pemBytes)
	if blk == nil {
		return nil, errors.New("no PEM key")
	}
	if k, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
		return k.(crypto.Signer), nil
	}
	if k, err := x509.ParseECPrivateKey(blk.Bytes); err == nil {
		return k, nil
	}
	return nil, errors.New("unsupported CA key")
}

// serverTLS is chosen per connection: maintenance mode (no client certificates), the legacy start
// (the stand-in's CA) or the node's own config (its machine.ca).
func (c *cluster) serverTLS(n *node) (*tls.Config, error) {
	n.mu.Lock()
	halted, maint, cfg := n.halted, n.maintenance, n.config
	n.mu.Unlock()
	if halted {
		return nil, errors.New("node is powered off")
	}
	if maint {
		return &tls.Config{Certificates: []tls.Certificate{c.maintCert}, ClientAuth: tls.NoClientCert, MinVersion: tls.VersionTLS12}, nil
	}
	if cfg == nil {
		return c.standinTLS, nil
	}
	pc, err := parseConfig(cfg)
	if err != nil {
		return nil, err
	}
	ca := sub(sub(pc.v1alpha1, "machine"), "ca")
	caCrt, caKey := decodePEM(strOf(ca, "crt")), decodePEM(strOf(ca, "key"))
	if len(caKey) == 0 {
		// a worker's config has no CA key: its serving certificate comes from a control plane (trustd)
		for _, o := range c.nodes {
			o.mu.Lock()
			oc := o.config
			o.mu.Unlock()
			if o.role != "controlplane" || oc == nil {
				continue
			}
			if opc, err := parseConfig(oc); err == nil {
				oca := sub(sub(opc.v1alpha1, "machine"), "ca")
				if bytes.Equal(decodePEM(strOf(oca, "crt")), caCrt) {
					caKey = decodePEM(strOf(oca, "key"))
					break
				}
			}
		}
		if len(caKey) == 0 {
			return nil, errors.New("no control plane can issue this worker's certificate yet (trustd)")
		}
	}
	sum := sha256.Sum256(append(append([]byte(n.ip), caCrt...), caKey...))
	cacheKey := hex.EncodeToString(sum[:])
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.tlsCache[cacheKey]; ok {
		return t, nil
	}
	blk, _ := pem.Decode(caCrt)
	if blk == nil {
		return nil, errors.New("machine.ca.crt is not PEM")
	}
	caCert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, err
	}
	signer, err := parseKey(caKey)
	if err != nil {
		return nil, err
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: n.name}, IPAddresses: []net.IP{net.ParseIP(n.ip)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, signer)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	accepted, _ := sub(pc.v1alpha1, "machine")["acceptedCAs"].([]any)
	for _, a := range accepted {
		if m, ok := a.(map[string]any); ok {
			pool.AppendCertsFromPEM(decodePEM(strOf(m, "crt")))
		}
	}
	t := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	c.tlsCache[cacheKey] = t
	return t, nil
}

// --- StorageService: Disks answers in maintenance mode too (the provider's probe) ---

type storageServer struct {
	storage.UnimplementedStorageServiceServer
	s *server
}

func (ss *storageServer) Disks(ctx context.Context, _ *emptypb.Empty) (*storage.DisksResponse, error) {
	if err := ss.s.check(); err != nil {
		return nil, err
	}
	return &storage.DisksResponse{Messages: []*storage.Disks{{Metadata: ss.s.meta(), Disks: []*storage.Disk{{
		DeviceName: "/dev/sda", Model: "QEMU HARDDISK", Size: 50 << 30, Type: storage.Disk_HDD}}}}}, nil
}

// --- ApplyConfiguration ---

func (s *server) ApplyConfiguration(ctx context.Context, req *machine.ApplyConfigurationRequest) (*machine.ApplyConfigurationResponse, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	next, err := parseConfig(req.Data)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if t := next.machineType(); t != s.n.role {
		// the stand-in's nodes have fixed roles (the plan's); Talos would take any type
		return nil, status.Errorf(codes.InvalidArgument, "stand-in: node %s is a %s, the config is for a %s", s.n.name, s.n.role, t)
	}
	s.n.mu.Lock()
	maint, cur := s.n.maintenance, s.n.config
	s.n.mu.Unlock()
	reply := func(mode machine.ApplyConfigurationRequest_Mode, details string) *machine.ApplyConfigurationResponse {
		return &machine.ApplyConfigurationResponse{Messages: []*machine.ApplyConfiguration{{Metadata: s.meta(), Mode: mode, ModeDetails: details}}}
	}
	var why string // what needs the reboot, when something does
	detail := func(resolved machine.ApplyConfigurationRequest_Mode) string {
		d := fmt.Sprintf("mode=%s resolved=%s dry-run=%v maintenance=%v", req.Mode, resolved, req.DryRun, maint)
		if why != "" {
			d += " reboot-needed-for=" + why
		}
		return d
	}
	if maint {
		// Talos's maintenance service (internal/app/maintenance/server.go)
		switch req.Mode {
		case machine.ApplyConfigurationRequest_TRY, machine.ApplyConfigurationRequest_NO_REBOOT, machine.ApplyConfigurationRequest_STAGED:
			return nil, status.Errorf(codes.Unimplemented, "apply configuration --mode=%s is not supported in maintenance mode",
				strings.ReplaceAll(strings.ToLower(req.Mode.String()), "_", "-"))
		}
		if req.DryRun {
			s.c.event(s.n, "apply-dry-run", detail(machine.ApplyConfigurationRequest_REBOOT))
			return reply(machine.ApplyConfigurationRequest_REBOOT, "Dry run: the node would install and reboot"), nil
		}
		s.c.event(s.n, "apply", detail(machine.ApplyConfigurationRequest_REBOOT))
		s.c.install(s.n, req.Data)
		return reply(machine.ApplyConfigurationRequest_REBOOT, "Applied configuration, the node installs and reboots"), nil
	}
	mode := req.Mode
	var immediate error = errors.New("no current config")
	if cur != nil {
		if pc, err := parseConfig(cur); err == nil {
			immediate = canApplyImmediate(pc, next)
		}
	}
	if immediate != nil {
		if i := strings.Index(immediate.Error(), "("); i >= 0 {
			why = strings.Trim(immediate.Error()[i:], "()")
		}
	}
	switch req.Mode {
	case machine.ApplyConfigurationRequest_TRY, machine.ApplyConfigurationRequest_NO_REBOOT:
		if immediate != nil {
			s.c.event(s.n, "apply-refused", detail(req.Mode))
			return nil, status.Errorf(codes.FailedPrecondition, "configuration change can't be applied without a reboot: %s", immediate)
		}
	case machine.ApplyConfigurationRequest_AUTO:
		mode = machine.ApplyConfigurationRequest_NO_REBOOT
		if immediate != nil {
			mode = machine.ApplyConfigurationRequest_REBOOT
		}
	}
	if req.DryRun {
		s.c.event(s.n, "apply-dry-run", detail(mode))
		return reply(mode, "Dry run summary"), nil
	}
	s.c.event(s.n, "apply", detail(mode))
	switch mode {
	case machine.ApplyConfigurationRequest_STAGED:
		s.n.mu.Lock()
		s.n.staged = req.Data
		s.n.mu.Unlock()
		os.WriteFile(filepath.Join(s.c.dir, "staged-"+s.n.name+".yaml"), req.Data, 0o600)
	case machine.ApplyConfigurationRequest_REBOOT:
		s.c.setConfig(s.n, req.Data)
		go s.c.rebootNode(s.n, "apply")
	default:
		s.c.setConfig(s.n, req.Data)
	}
	return reply(mode, "Applied configuration"), nil
}

func (c *cluster) setConfig(n *node, cfg []byte) {
	n.mu.Lock()
	n.config, n.staged = cfg, nil
	n.mu.Unlock()
	os.WriteFile(filepath.Join(c.dir, "config-"+n.name+".yaml"), cfg, 0o600)
	os.Remove(filepath.Join(c.dir, "staged-"+n.name+".yaml"))
}

// takeStaged: a staged config becomes the node's config at its next boot.
func (c *cluster) takeStaged(n *node) {
	n.mu.Lock()
	staged := n.staged
	n.mu.Unlock()
	if staged != nil {
		c.setConfig(n, staged)
		c.event(n, "staged-config-applied", "")
	}
}

// install: the node leaves maintenance mode with its first config (installs to disk, reboots).
func (c *cluster) install(n *node, cfg []byte) {
	c.setConfig(n, cfg)
	go func() {
		time.Sleep(50 * time.Millisecond) // the reply leaves first
		n.mu.Lock()
		n.up = false
		n.mu.Unlock()
		c.event(n, "install", "")
		time.Sleep(c.reboot)
		n.mu.Lock()
		n.maintenance, n.up = false, true
		n.boots++
		n.mu.Unlock()
		c.event(n, "up", "configured")
		c.joinEtcd(n)
		c.becomeReady(n)
	}()
}

// reboot: down, up (a staged config taken), Kubernetes Ready again.
func (c *cluster) rebootNode(n *node, why string) {
	time.Sleep(50 * time.Millisecond)
	n.mu.Lock()
	n.up, n.ready, n.downAt = false, false, time.Now()
	n.mu.Unlock()
	c.event(n, "reboot", why)
	c.event(n, "down", "")
	time.Sleep(c.reboot)
	n.mu.Lock()
	n.up = true
	n.boots++
	n.mu.Unlock()
	c.takeStaged(n)
	c.event(n, "up", "")
	c.becomeReady(n)
}

// becomeReady: the kubelet registers once the cluster is bootstrapped.
func (c *cluster) becomeReady(n *node) {
	for {
		c.mu.Lock()
		b := c.bootstrapped
		c.mu.Unlock()
		if b {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(c.ready)
	n.mu.Lock()
	if !n.up || n.halted || n.maintenance {
		n.mu.Unlock()
		return
	}
	n.ready, n.kubeletBoot, n.cordoned, n.registered = true, n.boots, false, true
	n.mu.Unlock()
	c.event(n, "ready", "")
}

// joinEtcd: a configured control plane joins etcd once the cluster is bootstrapped.
func (c *cluster) joinEtcd(n *node) {
	if n.role != "controlplane" {
		return
	}
	c.mu.Lock()
	join := c.bootstrapped && !c.members[n.name]
	if join {
		c.members[n.name] = true
	}
	c.mu.Unlock()
	if join {
		c.event(n, "etcd-join", fmt.Sprintf("%016x", memberID(n.name)))
	}
}

// --- Bootstrap ---

func (s *server) Bootstrap(ctx context.Context, _ *machine.BootstrapRequest) (*machine.BootstrapResponse, error) {
	if err := s.configured("Bootstrap"); err != nil {
		return nil, err
	}
	if s.n.role != "controlplane" {
		return nil, status.Error(codes.FailedPrecondition, "bootstrap can only be performed on a control plane node")
	}
	s.c.mu.Lock()
	if s.c.bootstrapped {
		s.c.mu.Unlock()
		s.c.event(s.n, "bootstrap-refused", "etcd data directory is not empty")
		return nil, status.Error(codes.AlreadyExists, "etcd data directory is not empty")
	}
	s.c.bootstrapped = true
	s.c.members[s.n.name] = true
	s.c.mu.Unlock()
	s.c.event(s.n, "bootstrap", "")
	s.c.event(s.n, "etcd-join", fmt.Sprintf("%016x", memberID(s.n.name)))
	// control planes configured before the bootstrap join the new cluster now
	for _, o := range s.c.nodes {
		o.mu.Lock()
		ok := o.role == "controlplane" && !o.maintenance && o.up && o.config != nil
		o.mu.Unlock()
		if ok && o != s.n {
			s.c.joinEtcd(o)
		}
	}
	return &machine.BootstrapResponse{Messages: []*machine.Bootstrap{{Metadata: s.meta()}}}, nil
}

// --- Reset ---

func (s *server) Reset(ctx context.Context, req *machine.ResetRequest) (*machine.ResetResponse, error) {
	if err := s.configured("Reset"); err != nil {
		return nil, err
	}
	var wiped []string
	for _, p := range req.SystemPartitionsToWipe {
		wiped = append(wiped, p.Label)
	}
	detail := fmt.Sprintf("graceful=%v reboot=%v wipe=%s", req.Graceful, req.Reboot, strings.Join(wiped, ","))
	if req.Graceful && s.c.isMember(s.n.name) {
		// leaving etcd: Talos checks the cluster first, and a member cannot leave a cluster of one
		s.c.mu.Lock()
		count := len(s.c.members)
		s.c.mu.Unlock()
		if count == 1 {
			s.c.event(s.n, "reset-refused", "only etcd member")
			return nil, status.Error(codes.FailedPrecondition, "failed to leave etcd: this node is the only etcd member (stand-in wording)")
		}
		for _, o := range s.c.nodes {
			o.mu.Lock()
			bad := o != s.n && s.c.members[o.name] && !(o.up && o.ready)
			o.mu.Unlock()
			if bad {
				s.c.event(s.n, "reset-refused", "etcd member "+o.name+" unhealthy")
				return nil, status.Errorf(codes.FailedPrecondition, "etcd member %016x is not healthy; all members must be healthy to leave the cluster", memberID(o.name))
			}
		}
	}
	s.c.event(s.n, "reset", detail)
	go func() {
		time.Sleep(50 * time.Millisecond)
		if req.Graceful && s.c.isMember(s.n.name) {
			s.c.mu.Lock()
			delete(s.c.members, s.n.name)
			s.c.mu.Unlock()
			s.c.event(s.n, "etcd-leave", fmt.Sprintf("%016x", memberID(s.n.name)))
		}
		s.n.mu.Lock()
		s.n.up, s.n.ready, s.n.downAt = false, false, time.Now()
		s.n.config, s.n.staged = nil, nil
		s.n.mu.Unlock()
		os.Remove(filepath.Join(s.c.dir, "config-"+s.n.name+".yaml"))
		if !req.Reboot {
			s.n.mu.Lock()
			s.n.halted = true
			s.n.mu.Unlock()
			s.c.event(s.n, "halt", "")
			return
		}
		s.c.event(s.n, "down", "")
		time.Sleep(s.c.reboot)
		s.n.mu.Lock()
		s.n.up, s.n.maintenance = true, true
		s.n.boots++
		s.n.mu.Unlock()
		s.c.event(s.n, "up", "maintenance")
	}()
	return &machine.ResetResponse{Messages: []*machine.Reset{{Metadata: s.meta(), ActorId: "standin"}}}, nil
}

// --- Kubeconfig: a tar.gz with one file, as Talos streams it ---

func (s *server) Kubeconfig(_ *emptypb.Empty, stream grpc.ServerStreamingServer[common.Data]) error {
	if err := s.configured("Kubeconfig"); err != nil {
		return err
	}
	if s.n.role != "controlplane" {
		return status.Error(codes.FailedPrecondition, "kubeconfig is available only on control plane nodes")
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "kubeconfig", Mode: 0o600, Size: int64(len(s.c.kubeconfig)), ModTime: time.Now()})
	tw.Write(s.c.kubeconfig)
	tw.Close()
	gz.Close()
	s.c.event(s.n, "kubeconfig", "")
	return stream.Send(&common.Data{Bytes: buf.Bytes()})
}
