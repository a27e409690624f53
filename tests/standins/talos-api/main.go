// talos-api-standin: speaks enough of the Talos machine API (machine.MachineService from
// github.com/siderolabs/talos/pkg/machinery) for the real talosctl to run a rolling upgrade:
// Version, Upgrade, EtcdSnapshot, EtcdMemberList, EtcdStatus. One gRPC listener per simulated node
// (its own loopback address, port 50000), mutual TLS with a CA it generates and writes into a
// talosconfig. Upgrade takes the node down, "reboots" it for -reboot, then it reports the installer
// image's tag; Kubernetes readiness comes back after -ready more. A small HTTPS server plays the
// Kubernetes API for GET /api/v1/nodes/<name> (the Ready condition of the same simulated nodes), with
// a kubeconfig written next to the talosconfig; it also answers GET /version (the API server's
// gitVersion) and GET /api/v1/nodes (each node's kubeletVersion and bootID, which a reboot changes)
// with the cluster's Kubernetes version:
// -kubernetes, or what a test wrote into <dir>/kubernetes-version (the effect of a recorded
// `talosctl upgrade-k8s`, which the stand-in does not run itself). With -kube-upstream every other
// request goes to a real API server (kubeproxy.go). Every state change is appended to
// events.jsonl, so tests can check the order of a roll against what really happened.
// As strict as Talos on these paths: a refused Upgrade (fail-upgrade-<node>, or an unhealthy etcd
// member on a control plane) comes back inside the reply's metadata, as Talos's apid one-to-many proxy
// returns it, with Talos's messages; an upgrade cordons the Node, the Node stays Ready for -grace after
// the kubelet stopped, and its bootID and schedulability change only when the kubelet is back. Not
// modelled: the upgrade mutex, A/B rollback, the 1.13 LifecycleService (talosctl 1.13 is told --legacy),
// the Events API (talosctl's --wait).
// With -maintenance the nodes start as a new cluster's do, in maintenance mode: see lifecycle.go
// (config apply and its modes, bootstrap, etcd membership, reset, kubeconfig).
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"hash/fnv"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/api/common"
	"github.com/siderolabs/talos/pkg/machinery/api/machine"
	"github.com/siderolabs/talos/pkg/machinery/api/storage"
	bolt "go.etcd.io/bbolt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

type node struct {
	name, ip, role string
	mu             sync.Mutex
	version        string
	boots          int // counts reboots
	kubeletBoot    int // the boot the kubelet last registered from: the Node's bootID, updated when it is Ready again
	up, ready      bool
	cordoned       bool      // spec.unschedulable: Talos cordons in its upgrade sequence and uncordons what it cordoned once booted
	downAt         time.Time // when the kubelet stopped; the Node's Ready condition stays True for -grace after it
	// lifecycle (with -maintenance): a node starts without a config and answers in maintenance mode
	maintenance bool
	halted      bool   // reset without reboot: powered off
	config      []byte // the applied machine config (nil: none, or the legacy start with the stand-in's CA)
	staged      []byte // a config staged for the next reboot
	registered  bool   // its kubelet registered a Node object once
}

type cluster struct {
	nodes         []*node
	reboot, ready time.Duration
	grace         time.Duration
	events        *os.File
	evMu          sync.Mutex
	dir           string
	mu            sync.Mutex
	bootstrapped  bool
	members       map[string]bool // etcd members by node name
	standinTLS    *tls.Config     // the legacy start: the stand-in's own CA
	maintCert     tls.Certificate // what a node in maintenance mode presents (self-issued, not checked by clients)
	kubeconfig    []byte
	tlsCache      map[string]*tls.Config
}

func (c *cluster) event(n *node, what, detail string) {
	c.evMu.Lock()
	defer c.evMu.Unlock()
	b, _ := json.Marshal(map[string]any{"t": time.Now().UnixMilli(), "node": n.name, "role": n.role, "event": what, "detail": detail})
	c.events.Write(append(b, '\n'))
}

func memberID(name string) uint64 { h := fnv.New64a(); h.Write([]byte(name)); return h.Sum64() }

// server is the MachineService of one node.
type server struct {
	machine.UnimplementedMachineServiceServer
	c *cluster
	n *node
}

func (s *server) meta() *common.Metadata { return &common.Metadata{Hostname: s.n.name} }

func (s *server) check() error {
	s.n.mu.Lock()
	defer s.n.mu.Unlock()
	if s.n.halted {
		return status.Error(codes.Unavailable, "node is powered off")
	}
	if !s.n.up {
		return status.Error(codes.Unavailable, "node is rebooting")
	}
	return nil
}

// configured is check() plus: the node has left maintenance mode (Talos's maintenance service
// serves only a few methods; the others are not registered there).
func (s *server) configured(method string) error {
	if err := s.check(); err != nil {
		return err
	}
	s.n.mu.Lock()
	defer s.n.mu.Unlock()
	if s.n.maintenance {
		return status.Errorf(codes.Unimplemented, "method %s not implemented in maintenance mode", method)
	}
	return nil
}

func (s *server) Version(ctx context.Context, _ *emptypb.Empty) (*machine.VersionResponse, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	s.n.mu.Lock()
	v := s.n.version
	s.n.mu.Unlock()
	return &machine.VersionResponse{Messages: []*machine.Version{{
		Metadata: s.meta(),
		Version:  &machine.VersionInfo{Tag: v, Sha: "standin", Os: "linux", Arch: "amd64", GoVersion: "go"},
		Platform: &machine.PlatformInfo{Name: "nocloud", Mode: "cloud"},
	}}}, nil
}

// refuse answers a refused request the way Talos's apid does. talosctl names its target in the
// "nodes" metadata (even for one node), so apid proxies one-to-many, and the one-to-many proxy puts a
// backend's error into the reply's metadata instead of failing the call (talos
// internal/app/apid/pkg/backend/apid.go BuildError: Metadata{Hostname, Error: err.Error(), Status});
// a call without "nodes" (one-to-one) gets the plain gRPC error.
func (s *server) refuseUpgrade(ctx context.Context, err error) (*machine.UpgradeResponse, error) {
	s.c.event(s.n, "upgrade-refused", err.Error())
	if md, ok := metadata.FromIncomingContext(ctx); ok && len(md.Get("nodes")) > 0 {
		return &machine.UpgradeResponse{Messages: []*machine.Upgrade{{Metadata: &common.Metadata{
			Hostname: s.n.name, Error: err.Error(), Status: status.Convert(err).Proto()}}}}, nil
	}
	return nil, err
}

// Upgrade is Talos's legacy MachineService.Upgrade (talos v1.13.0
// internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go Upgrade): the installer image is
// pulled and validated before the reply, then on a control plane (without force) etcd must be healthy
// with every member (ValidateForUpgrade); a refusal carries Talos's own message.
func (s *server) Upgrade(ctx context.Context, req *machine.UpgradeRequest) (*machine.UpgradeResponse, error) {
	if err := s.configured("Upgrade"); err != nil {
		return nil, err
	}
	i := strings.LastIndex(req.Image, ":")
	if i < 0 || !strings.HasPrefix(req.Image[i+1:], "v") {
		return nil, status.Errorf(codes.InvalidArgument, "image %q has no version tag", req.Image)
	}
	// a test makes a node's upgrade fail by creating <dir>/fail-upgrade-<node>; its content, when
	// there is any, is the error Talos gives (e.g. an etcd refusal), else an image pull failure
	if b, err := os.ReadFile(filepath.Join(s.c.dir, "fail-upgrade-"+s.n.name)); err == nil {
		msg := strings.TrimSpace(string(b))
		if msg == "" {
			msg = fmt.Sprintf("error validating installer image %q: failed to pull image (simulated)", req.Image)
		}
		return s.refuseUpgrade(ctx, status.Error(codes.Unknown, msg))
	}
	if s.n.role == "controlplane" && !req.Force {
		// Talos refuses to upgrade a control plane while an etcd member is unhealthy (ValidateForUpgrade)
		for _, o := range s.c.nodes {
			o.mu.Lock()
			bad := s.c.isMember(o.name) && !(o.up && o.ready)
			o.mu.Unlock()
			if bad {
				return s.refuseUpgrade(ctx, status.Errorf(codes.Unknown, "error validating etcd for upgrade: etcd member %016x is not healthy; all members must be healthy to perform an upgrade: context deadline exceeded", memberID(o.name)))
			}
		}
	}
	to := req.Image[i+1:]
	s.c.event(s.n, "upgrade", req.Image)
	go func() {
		// Talos's upgrade sequence cordons and drains the node (NodeCordonedSpec in the upgrading stage),
		// then stops the kubelet; the node-lifecycle controller marks the Node NotReady only after its
		// grace period, so a Ready condition seen right after the reboot can be the old one
		s.n.mu.Lock()
		s.n.cordoned = true
		s.n.mu.Unlock()
		s.c.event(s.n, "cordon", "")
		time.Sleep(50 * time.Millisecond) // the reply leaves before the node goes down
		s.n.mu.Lock()
		s.n.up, s.n.ready, s.n.downAt = false, false, time.Now()
		s.n.mu.Unlock()
		s.c.event(s.n, "down", "")
		time.Sleep(s.c.reboot)
		s.n.mu.Lock()
		s.n.up, s.n.version = true, to
		s.n.boots++
		s.n.mu.Unlock()
		s.c.takeStaged(s.n)
		s.c.event(s.n, "up", to)
		time.Sleep(s.c.ready)
		s.n.mu.Lock()
		s.n.ready, s.n.kubeletBoot, s.n.cordoned = true, s.n.boots, false
		s.n.mu.Unlock()
		s.c.event(s.n, "ready", to)
	}()
	return &machine.UpgradeResponse{Messages: []*machine.Upgrade{{Metadata: s.meta(), Ack: "Upgrade request received", ActorId: "standin"}}}, nil
}

func (s *server) controlPlanes() []*node {
	var out []*node
	for _, o := range s.c.nodes {
		if o.role == "controlplane" {
			out = append(out, o)
		}
	}
	return out
}

func (s *server) EtcdMemberList(ctx context.Context, _ *machine.EtcdMemberListRequest) (*machine.EtcdMemberListResponse, error) {
	if err := s.etcdRunning(); err != nil {
		return nil, err
	}
	// membership does not change while a member reboots; its health does (EtcdStatus)
	var members []*machine.EtcdMember
	for _, o := range s.controlPlanes() {
		if !s.c.isMember(o.name) {
			continue
		}
		members = append(members, &machine.EtcdMember{Id: memberID(o.name), Hostname: o.name,
			PeerUrls: []string{"https://" + o.ip + ":2380"}, ClientUrls: []string{"https://" + o.ip + ":2379"}})
	}
	return &machine.EtcdMemberListResponse{Messages: []*machine.EtcdMembers{{Metadata: s.meta(), Members: members}}}, nil
}

func (s *server) EtcdStatus(ctx context.Context, _ *emptypb.Empty) (*machine.EtcdStatusResponse, error) {
	if err := s.etcdRunning(); err != nil {
		return nil, err
	}
	s.n.mu.Lock()
	ready := s.n.ready
	s.n.mu.Unlock()
	st := &machine.EtcdMemberStatus{MemberId: memberID(s.n.name), Leader: memberID(s.c.leader()), ProtocolVersion: "3.6.0", StorageVersion: "3.6.0", DbSize: 1 << 20, DbSizeInUse: 1 << 19, RaftIndex: 100, RaftTerm: 2, RaftAppliedIndex: 100}
	if !ready {
		st.Errors = []string{"etcdserver: not yet joined after restart"}
	}
	return &machine.EtcdStatusResponse{Messages: []*machine.EtcdStatus{{Metadata: s.meta(), MemberStatus: st}}}, nil
}

// EtcdSnapshot streams a real bbolt database with the sha256 trailer etcd snapshots carry, so
// talosctl's integrity check and snapshot status accept it.
func (s *server) EtcdSnapshot(_ *machine.EtcdSnapshotRequest, stream grpc.ServerStreamingServer[common.Data]) error {
	if err := s.etcdRunning(); err != nil {
		return err
	}
	f := filepath.Join(s.c.dir, fmt.Sprintf("snap-%d.db", time.Now().UnixNano()))
	db, err := bolt.Open(f, 0o600, nil)
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("meta"))
		if err != nil {
			return err
		}
		return b.Put([]byte("standin"), []byte(s.n.name))
	})
	db.Close()
	if err != nil {
		return err
	}
	data, err := os.ReadFile(f)
	os.Remove(f)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	data = append(data, sum[:]...)
	s.c.event(s.n, "etcd-snapshot", fmt.Sprint(len(data)))
	for len(data) > 0 {
		k := min(len(data), 32<<10)
		if err := stream.Send(&common.Data{Bytes: data[:k]}); err != nil {
			return err
		}
		data = data[k:]
	}
	return nil
}

// --- certificates ---

type pair struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	der  []byte
}

func issue(tmpl *x509.Certificate, parent *pair) *pair {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	signer, parentCert := key, tmpl
	if parent != nil {
		signer, parentCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, &key.PublicKey, signer)
	if err != nil {
		log.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &pair{cert, key, der}
}

func (p *pair) certPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.der})
}
func (p *pair) keyPEM() []byte {
	b, _ := x509.MarshalECPrivateKey(p.key)
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: b})
}
func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func main() {
	dir := flag.String("dir", "", "folder for talosconfig, kubeconfig, events.jsonl")
	nodesFlag := flag.String("nodes", "", "name=ip:role,... (loopback addresses, e.g. talos-cp-01=127.0.0.11:controlplane)")
	version := flag.String("version", "v1.11.5", "Talos version the nodes run at start")
	reboot := flag.Duration("reboot", 2*time.Second, "simulated reboot time of an upgrade")
	ready := flag.Duration("ready", 500*time.Millisecond, "time from boot to Kubernetes Ready (and etcd healthy)")
	grace := flag.Duration("grace", 0, "how long the Node's Ready condition stays True after its kubelet stopped (Kubernetes' node-monitor grace period, 40s by default there)")
	kubernetes := flag.String("kubernetes", "v1.34.1", "Kubernetes version the cluster runs at start (<dir>/kubernetes-version overrides it)")
	maintenance := flag.Bool("maintenance", false, "nodes start in maintenance mode, without a config (a new cluster); else configured with the stand-in's CA, bootstrapped, Ready")
	kubeListen := flag.String("kube-listen", "127.0.0.1:0", "address of the Kubernetes API (the kubeconfig's server), e.g. the plan's VIP and 6443 inside a test's network namespace")
	var upstream kubeUpstream
	flag.StringVar(&upstream.url, "kube-upstream", "", "a real Kubernetes API server (https://host:port) that gets every request the stand-in's own Kubernetes API does not serve (kubeproxy.go)")
	flag.StringVar(&upstream.ca, "kube-upstream-ca", "", "the upstream's CA certificate (PEM file)")
	flag.StringVar(&upstream.cert, "kube-upstream-cert", "", "client certificate for the upstream (PEM file)")
	flag.StringVar(&upstream.key, "kube-upstream-key", "", "its key (PEM file)")
	flag.StringVar(&upstream.socket, "kube-upstream-socket", "", "Unix socket that reaches the upstream (from another network namespace); its URL's host still names it for TLS")
	flag.Parse()
	if *dir == "" || *nodesFlag == "" {
		log.Fatal("-dir and -nodes are required")
	}
	events, err := os.Create(filepath.Join(*dir, "events.jsonl"))
	if err != nil {
		log.Fatal(err)
	}
	c := &cluster{reboot: *reboot, ready: *ready, grace: *grace, events: events, dir: *dir, members: map[string]bool{}, tlsCache: map[string]*tls.Config{}}
	var ips []net.IP
	for _, spec := range strings.Split(*nodesFlag, ",") {
		name, rest, _ := strings.Cut(spec, "=")
		ip, role, _ := strings.Cut(rest, ":")
		n := &node{name: name, ip: ip, role: role, version: *version, up: true, ready: !*maintenance, maintenance: *maintenance, registered: !*maintenance}
		c.nodes = append(c.nodes, n)
		if role == "controlplane" && !*maintenance {
			c.members[name] = true
		}
		ips = append(ips, net.ParseIP(ip))
	}
	c.bootstrapped = !*maintenance
	ips = append(ips, net.ParseIP("127.0.0.1"))
	if host, _, err := net.SplitHostPort(*kubeListen); err == nil && net.ParseIP(host) != nil {
		ips = append(ips, net.ParseIP(host))
	}

	ca := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "talos-standin-ca"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}, nil)
	srv := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "talos-standin"}, IPAddresses: ips,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca)
	client := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "admin", Organization: []string{"os:admin"}},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca)
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	srvCert, _ := tls.X509KeyPair(srv.certPEM(), srv.keyPEM())
	tlsConf := &tls.Config{Certificates: []tls.Certificate{srvCert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	c.standinTLS, c.maintCert = tlsConf, srvCert

	for _, n := range c.nodes {
		l, err := net.Listen("tcp", net.JoinHostPort(n.ip, "50000"))
		if err != nil {
			log.Fatalf("listen %s: %v", n.ip, err)
		}
		// each connection gets the TLS of the node's state: maintenance, the stand-in's CA, or its config's CA
		perNode := &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return c.serverTLS(n) }}
		g := grpc.NewServer(grpc.Creds(credentials.NewTLS(perNode)))
		srv := &server{c: c, n: n}
		machine.RegisterMachineServiceServer(g, srv)
		storage.RegisterStorageServiceServer(g, &storageServer{s: srv})
		go g.Serve(l)
	}

	kl, err := net.Listen("tcp", *kubeListen)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	k8sVersion := func() string {
		if b, err := os.ReadFile(filepath.Join(*dir, "kubernetes-version")); err == nil && strings.TrimSpace(string(b)) != "" {
			return "v" + strings.TrimPrefix(strings.TrimSpace(string(b)), "v")
		}
		return *kubernetes
	}
	nodeObject := func(n *node) map[string]any {
		n.mu.Lock()
		st, ver, boot, cordoned := "False", n.version, fmt.Sprintf("%s-boot-%d", n.name, n.kubeletBoot), n.cordoned
		if n.ready || (!n.downAt.IsZero() && time.Since(n.downAt) < c.grace) {
			st = "True"
		}
		n.mu.Unlock()
		return map[string]any{"kind": "Node", "apiVersion": "v1", "metadata": map[string]any{"name": n.name}, "spec": map[string]any{"unschedulable": cordoned},
			"status": map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": st}},
				"addresses": []any{map[string]any{"type": "InternalIP", "address": n.ip}, map[string]any{"type": "Hostname", "address": n.name}},
				"nodeInfo":  map[string]any{"osImage": "Talos (" + ver + ")", "kubeletVersion": k8sVersion(), "bootID": boot}}}
	}
	mux.HandleFunc("GET /api/v1/nodes/{name}", func(w http.ResponseWriter, r *http.Request) {
		for _, n := range c.nodes {
			if n.name != r.PathValue("name") {
				continue
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(nodeObject(n))
			return
		}
		http.Error(w, `{"kind":"Status","reason":"NotFound"}`, http.StatusNotFound)
	})
	// the Node object's removal (kubectl delete node): it is gone until the kubelet registers again
	mux.HandleFunc("DELETE /api/v1/nodes/{name}", func(w http.ResponseWriter, r *http.Request) {
		for _, n := range c.nodes {
			n.mu.Lock()
			found := n.name == r.PathValue("name") && n.registered
			if found {
				n.registered = false
			}
			n.mu.Unlock()
			if found {
				c.event(n, "node-object-deleted", "")
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "status": "Success"})
				return
			}
		}
		http.Error(w, `{"kind":"Status","reason":"NotFound"}`, http.StatusNotFound)
	})
	mux.HandleFunc("GET /api/v1/nodes", func(w http.ResponseWriter, r *http.Request) {
		items := []any{}
		for _, n := range c.nodes {
			n.mu.Lock()
			reg := n.registered
			n.mu.Unlock()
			if reg {
				items = append(items, nodeObject(n))
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"kind": "NodeList", "apiVersion": "v1", "items": items})
	})
	// the mirror pods of the control planes' static pods (labels as Talos sets them), Ready with their
	// node; honours the fieldSelector spec.nodeName=<node> and labelSelector tier=control-plane the
	// day-2 runner sends. A file static-pods-down-<node> in -dir keeps that node's pods NotReady.
	mux.HandleFunc("GET /api/v1/namespaces/kube-system/pods", func(w http.ResponseWriter, r *http.Request) {
		onNode := strings.TrimPrefix(r.URL.Query().Get("fieldSelector"), "spec.nodeName=")
		items := []any{}
		for _, n := range c.nodes {
			n.mu.Lock()
			reg, ready, role := n.registered, n.ready, n.role
			n.mu.Unlock()
			if role != "controlplane" || !reg || (onNode != "" && onNode != n.name) {
				continue
			}
			if _, err := os.Stat(filepath.Join(*dir, "static-pods-down-"+n.name)); err == nil {
				ready = false
			}
			st := "False"
			if ready {
				st = "True"
			}
			for _, app := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
				items = append(items, map[string]any{"kind": "Pod", "apiVersion": "v1",
					"metadata": map[string]any{"name": app + "-" + n.name, "namespace": "kube-system", "labels": map[string]any{"tier": "control-plane", "k8s-app": app}},
					"spec":     map[string]any{"nodeName": n.name},
					"status":   map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": st}}}})
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"kind": "PodList", "apiVersion": "v1", "items": items})
	})
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"gitVersion": k8sVersion(), "platform": "linux/amd64"})
	})
	if upstream.url != "" {
		h, err := upstream.handler(*dir)
		if err != nil {
			log.Fatal(err)
		}
		// the most general pattern: whatever the patterns above do not match
		mux.Handle("/", h)
	}
	go (&http.Server{Handler: mux, TLSConfig: tlsConf}).ServeTLS(kl, "", "")

	talosconfig := fmt.Sprintf("context: standin\ncontexts:\n  standin:\n    endpoints: []\n    ca: %s\n    crt: %s\n    key: %s\n", b64(ca.certPEM()), b64(client.certPEM()), b64(client.keyPEM()))
	kubeconfig := fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters:\n- name: standin\n  cluster:\n    server: https://%s\n    certificate-authority-data: %s\nusers:\n- name: admin\n  user:\n    client-certificate-data: %s\n    client-key-data: %s\ncontexts:\n- name: admin@standin\n  context: {cluster: standin, user: admin}\ncurrent-context: admin@standin\n",
		kl.Addr().String(), b64(ca.certPEM()), b64(client.certPEM()), b64(client.keyPEM()))
	os.WriteFile(filepath.Join(*dir, "talosconfig"), []byte(talosconfig), 0o600)
	os.WriteFile(filepath.Join(*dir, "kubeconfig"), []byte(kubeconfig), 0o600)
	c.kubeconfig = []byte(kubeconfig)
	fmt.Println("READY")

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}
