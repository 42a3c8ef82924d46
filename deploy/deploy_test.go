package deploy

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/zwgk/zwgk/config"
)

func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"../docker-compose.yml"},
		cli.WithWorkingDirectory(".."),
		cli.WithEnv([]string{"ZWGK_SECRET=test-secret-test-secret"}),
		cli.WithName("zwgk"),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	return p
}

func knownSetting(name string) bool {
	name = strings.TrimSuffix(name, "_FILE")
	return slices.ContainsFunc(config.Settings, func(s config.Setting) bool { return s.Name == name })
}

func TestComposeFile(t *testing.T) {
	p := loadCompose(t)
	for _, name := range []string{"postgres", "temporal-admin-tools", "temporal", "temporal-create-namespace", "temporal-ui", "mailpit", "zwgk-serve", "zwgk-worker", "prometheus"} {
		if _, err := p.GetService(name); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
	}
	dep := func(svc, on, condition string) {
		t.Helper()
		s, err := p.GetService(svc)
		if err != nil {
			t.Fatal(err)
		}
		d, ok := s.DependsOn[on]
		if !ok {
			t.Errorf("%s does not depend on %s", svc, on)
			return
		}
		if d.Condition != condition {
			t.Errorf("%s waits for %s %q, want %q", svc, on, d.Condition, condition)
		}
	}
	dep("temporal-admin-tools", "postgres", types.ServiceConditionHealthy)
	dep("temporal", "temporal-admin-tools", types.ServiceConditionCompletedSuccessfully)
	dep("temporal-create-namespace", "temporal", types.ServiceConditionHealthy)
	dep("zwgk-serve", "postgres", types.ServiceConditionHealthy)
	dep("zwgk-serve", "temporal-create-namespace", types.ServiceConditionCompletedSuccessfully)
	dep("zwgk-worker", "temporal-create-namespace", types.ServiceConditionCompletedSuccessfully)

	ports := map[string]uint32{"zwgk-serve": 8080, "temporal": 7233, "temporal-ui": 8080, "mailpit": 8025}
	for svc, target := range ports {
		s, _ := p.GetService(svc)
		if !slices.ContainsFunc(s.Ports, func(pc types.ServicePortConfig) bool { return pc.Target == target }) {
			t.Errorf("%s does not publish container port %d: %+v", svc, target, s.Ports)
		}
	}

	for _, svc := range []string{"zwgk-serve", "zwgk-worker"} {
		s, _ := p.GetService(svc)
		for k := range s.Environment {
			if strings.HasPrefix(k, "ZWGK_") && !knownSetting(k) {
				t.Errorf("%s sets %s, which zwgk does not read", svc, k)
			}
		}
		for _, k := range []string{"ZWGK_DATABASE_URL", "ZWGK_TEMPORAL_ADDRESS", "ZWGK_HTTP_ADDR", "ZWGK_SECRET", "ZWGK_SMTP_HOST"} {
			if v := s.Environment[k]; v == nil || *v == "" {
				t.Errorf("%s lacks %s", svc, k)
			}
		}
		if got := *s.Environment["ZWGK_TEMPORAL_ADDRESS"]; got != "temporal:7233" {
			t.Errorf("%s reaches Temporal at %s", svc, got)
		}
		if got := *s.Environment["ZWGK_SMTP_HOST"]; got != "mailpit" {
			t.Errorf("%s sends mail to %s", svc, got)
		}
		if !strings.Contains(*s.Environment["ZWGK_DATABASE_URL"], "@postgres:5432/") {
			t.Errorf("%s database URL %s", svc, *s.Environment["ZWGK_DATABASE_URL"])
		}
	}
	serve, _ := p.GetService("zwgk-serve")
	if serve.Build == nil || serve.Build.Dockerfile != "deploy/Dockerfile" {
		t.Errorf("zwgk-serve is not built from deploy/Dockerfile: %+v", serve.Build)
	}
	if !slices.Equal(serve.Command, types.ShellCommand{"serve"}) {
		t.Errorf("zwgk-serve command %v", serve.Command)
	}
	worker, _ := p.GetService("zwgk-worker")
	if !slices.Equal(worker.Command, types.ShellCommand{"worker"}) {
		t.Errorf("zwgk-worker command %v", worker.Command)
	}
	// The scripts and dynamic config the Temporal services mount exist.
	for _, svc := range []string{"temporal-admin-tools", "temporal", "temporal-create-namespace"} {
		s, _ := p.GetService(svc)
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind {
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("%s mounts %s: %v", svc, v.Source, err)
				}
			}
		}
	}
}

func TestComposeNeedsSecret(t *testing.T) {
	opts, err := cli.NewProjectOptions([]string{"../docker-compose.yml"}, cli.WithWorkingDirectory(".."), cli.WithEnv([]string{"ZWGK_SECRET="}), cli.WithName("zwgk"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := opts.LoadProject(context.Background()); err == nil || !strings.Contains(err.Error(), "ZWGK_SECRET") {
		t.Fatalf("compose without ZWGK_SECRET: %v, want an error naming it", err)
	}
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	// -tags nodev: the image carries no embedded Temporal server (cmd/zwgk's nodev test)
	for _, want := range []string{"FROM golang:1.26", "./cmd/zwgk", "CGO_ENABLED=0", "-tags nodev", `ENTRYPOINT ["/zwgk"]`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

type k8sDoc struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Replicas int `yaml:"replicas"`
		Template struct {
			Spec struct {
				Containers []struct {
					Image   string   `yaml:"image"`
					Args    []string `yaml:"args"`
					EnvFrom []struct {
						ConfigMapRef struct {
							Name string `yaml:"name"`
						} `yaml:"configMapRef"`
					} `yaml:"envFrom"`
					Env []struct {
						Name  string `yaml:"name"`
						Value string `yaml:"value"`
					} `yaml:"env"`
					ReadinessProbe *struct {
						HTTPGet struct {
							Path string `yaml:"path"`
						} `yaml:"httpGet"`
					} `yaml:"readinessProbe"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

func TestKubernetesManifests(t *testing.T) {
	var kust struct {
		Resources []string `yaml:"resources"`
	}
	b, err := os.ReadFile("k8s/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &kust); err != nil {
		t.Fatal(err)
	}
	docs := map[string]k8sDoc{}
	for _, r := range kust.Resources {
		f, err := os.Open(filepath.Join("k8s", r))
		if err != nil {
			t.Fatalf("kustomization lists %s: %v", r, err)
		}
		dec := yaml.NewDecoder(f)
		for {
			var d k8sDoc
			if err := dec.Decode(&d); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", r, err)
			}
			docs[d.Kind+"/"+d.Metadata.Name] = d
		}
		f.Close()
	}
	cm, ok := docs["ConfigMap/zwgk"]
	if !ok {
		t.Fatal("no ConfigMap zwgk")
	}
	for k := range cm.Data {
		if !knownSetting(k) {
			t.Errorf("ConfigMap sets %s, which zwgk does not read", k)
		}
	}
	for name, args := range map[string]string{"Deployment/zwgk-serve": "serve", "Deployment/zwgk-worker": "worker"} {
		d, ok := docs[name]
		if !ok {
			t.Fatalf("no %s", name)
		}
		c := d.Spec.Template.Spec.Containers[0]
		if !slices.Equal(c.Args, []string{args}) {
			t.Errorf("%s runs %v", name, c.Args)
		}
		if len(c.EnvFrom) == 0 || c.EnvFrom[0].ConfigMapRef.Name != "zwgk" {
			t.Errorf("%s does not read the zwgk ConfigMap", name)
		}
		for _, e := range c.Env {
			if !knownSetting(e.Name) {
				t.Errorf("%s sets %s, which zwgk does not read", name, e.Name)
			}
		}
		if d.Spec.Replicas < 1 {
			t.Errorf("%s has %d replicas", name, d.Spec.Replicas)
		}
	}
	serve := docs["Deployment/zwgk-serve"].Spec.Template.Spec.Containers[0]
	if serve.ReadinessProbe == nil || serve.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Error("zwgk-serve has no /readyz readiness probe")
	}
	if docs["Deployment/zwgk-worker"].Spec.Replicas < 2 {
		t.Error("the worker deployment should show the scale-out path with several replicas")
	}
}
