package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(envOf(nil), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.Temporal.Address != "127.0.0.1:7233" || c.Temporal.Namespace != "default" {
		t.Errorf("defaults: %+v", c)
	}
	if c.SMTP.Port != 587 || c.SMTP.TLS != "starttls" || c.SMTP.Timeout != 30*time.Second {
		t.Errorf("smtp defaults: %+v", c.SMTP)
	}
	if c.BaseURL != "http://127.0.0.1:8080" {
		t.Errorf("base URL %q", c.BaseURL)
	}
}

func TestFileEnvAndSecretFiles(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "zwgk.env")
	body := "\ufeff# comment\nZWGK_SMTP_HOST=mail.example.gov.cn\nexport ZWGK_SMTP_PORT=465\nZWGK_SMTP_TLS=implicit\n" +
		"ZWGK_SMTP_FROM=\"政务公开办 <gk@example.gov.cn>\"\nZWGK_HTTP_ADDR=0.0.0.0:9000\nZWGK_SMTP_PASSWORD_FILE=" + pw + "\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(envOf(map[string]string{"ZWGK_CONFIG": file, "ZWGK_HTTP_ADDR": "127.0.0.1:9999"}), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.Host != "mail.example.gov.cn" || c.SMTP.Port != 465 || c.SMTP.TLS != "implicit" {
		t.Errorf("from file: %+v", c.SMTP)
	}
	if c.SMTP.From != "政务公开办 <gk@example.gov.cn>" {
		t.Errorf("quoted value: %q", c.SMTP.From)
	}
	if c.SMTP.Password != "s3cret" {
		t.Errorf("password from _FILE: %q", c.SMTP.Password)
	}
	if c.HTTPAddr != "127.0.0.1:9999" {
		t.Errorf("environment must win over the file: %q", c.HTTPAddr)
	}
	for _, l := range c.Redacted() {
		if strings.Contains(l, "s3cret") {
			t.Errorf("redacted output leaks the password: %s", l)
		}
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.env")
	os.WriteFile(bad, []byte("ZWGK_HTTP_ADDR=x\nnot a pair\n"), 0o600)
	unknown := filepath.Join(dir, "unknown.env")
	os.WriteFile(unknown, []byte("ZWGK_NOPE=1\n"), 0o600)
	for name, tc := range map[string]struct {
		env  map[string]string
		file string
		want string
	}{
		"bad port":         {env: map[string]string{"ZWGK_SMTP_PORT": "smtp"}, want: "ZWGK_SMTP_PORT"},
		"bad tls":          {env: map[string]string{"ZWGK_SMTP_TLS": "ssl"}, want: "ZWGK_SMTP_TLS"},
		"bad timeout":      {env: map[string]string{"ZWGK_SMTP_TIMEOUT": "soon"}, want: "ZWGK_SMTP_TIMEOUT"},
		"cert without key": {env: map[string]string{"ZWGK_TEMPORAL_TLS_CERT": "c.pem"}, want: "ZWGK_TEMPORAL_TLS_KEY"},
		"both and file":    {env: map[string]string{"ZWGK_SECRET": "a", "ZWGK_SECRET_FILE": "/x"}, want: "both"},
		"missing file":     {env: map[string]string{"ZWGK_SECRET_FILE": filepath.Join(dir, "nope")}, want: "ZWGK_SECRET_FILE"},
		"bad line":         {file: bad, want: "line 2"},
		"unknown setting":  {file: unknown, want: "ZWGK_NOPE"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Load(envOf(tc.env), tc.file)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	h := Help()
	for _, s := range Settings {
		if !strings.Contains(h, s.Name) {
			t.Errorf("help lacks %s", s.Name)
		}
	}
}

// docs/configuration.md documents every setting, so a new one cannot ship undocumented.
func TestDocsListEverySetting(t *testing.T) {
	b, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Settings {
		if !strings.Contains(string(b), "`"+s.Name+"`") {
			t.Errorf("docs/configuration.md does not document %s", s.Name)
		}
	}
}
