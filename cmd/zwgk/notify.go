package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/notify/channels"
	"github.com/zwgk/zwgk/notify/robot"
	"github.com/zwgk/zwgk/store"
)

func init() {
	register(&command{
		name:    "notify",
		summary: "check the notification channels and read the delivery log",
		usage: `test --channel email|sms|dingtalk|wecom --to ADDRESS [--secret SEC…]
       | log [--status pending|sending|sent|failed] [--recipient person:ID] [--limit N]
       | templates
test sends one test message through the configured channel (ZWGK_SMTP_*, ZWGK_SMS_*) and shows
what the server answered; for robots ADDRESS is the webhook URL (and --secret the DingTalk
signing secret). log lists deliveries, newest first. templates prints the SMS texts to register
with Aliyun or Tencent, one per message kind, with the parameters zwgk fills in.`,
		run: runNotify,
	})
}

func runNotify(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	sub := args[0]
	fs := newFlags(e, "notify "+sub)
	channel := fs.String("channel", "", "email, sms, dingtalk or wecom")
	to := fs.String("to", "", "email address, mobile number or robot webhook URL")
	secret := fs.String("secret", "", "DingTalk robot signing secret")
	status := fs.String("status", "", "only deliveries in this status")
	recipient := fs.String("recipient", "", "only deliveries to this recipient (person:ID, robot:ID)")
	limit := fs.Int("limit", 50, "at most this many rows")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return errUsage
	}
	switch sub {
	case "test":
		if *channel == "" || *to == "" {
			return errUsage
		}
		return notifyTest(ctx, e, *channel, *to, *secret)
	case "log":
		st, closeStore, err := openStore(ctx, e)
		if err != nil {
			return err
		}
		defer closeStore()
		return notifyLog(ctx, e, st, store.DeliveryFilter{Status: *status, Recipient: *recipient, Limit: *limit})
	case "templates":
		for _, k := range notify.Kinds {
			fmt.Fprintf(e.stdout, "%s\n  阿里云: %s\n  腾讯云: %s\n", k, notify.SMSTemplates[k], notify.TencentTemplate(k))
		}
		fmt.Fprintln(e.stdout, "\nRegister the kinds you want by SMS and list their codes in ZWGK_SMS_TEMPLATES, e.g. digest=SMS_123,overdue=SMS_124.")
		return nil
	}
	return errUsage
}

func notifyTest(ctx context.Context, e *env, channel, to, secret string) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	r, err := channels.Renderer(cfg)
	if err != nil {
		return err
	}
	nonce := make([]byte, 4)
	_, _ = rand.Read(nonce)
	now := time.Now()
	n := notify.Notice{Key: "test/" + now.UTC().Format("20060102T150405Z") + "/" + hex.EncodeToString(nonce), Kind: notify.Test, At: now,
		Note: fmt.Sprintf("发送时间：%s，通道：%s。", now.In(calendar.Shanghai).Format("2006-01-02 15:04:05"), channel)}
	addr := notify.Address{Recipient: "test"}
	var ch notify.Channel
	format := notify.FormatOf(channel)
	switch channel {
	case "email":
		c, err := channels.Email(cfg)
		if errors.Is(err, channels.ErrNotConfigured) {
			return fmt.Errorf("%w; without an SMTP server `zwgk dev` keeps messages in the dev outbox", err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "SMTP %s:%d (%s) from %s\n", cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS, cfg.SMTP.From)
		pctx, cancel := context.WithTimeout(ctx, cfg.SMTP.Timeout+5*time.Second)
		info, err := c.Probe(pctx)
		cancel()
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		fmt.Fprintf(e.stdout, "connected: %s\n", info)
		addr.Email, ch = to, c
	case "sms":
		c, err := channels.SMS(cfg)
		if err != nil {
			return err
		}
		addr.Mobile, ch = to, c
		fmt.Fprintf(e.stdout, "SMS via %s\n", c.Name())
	case "dingtalk", "wecom":
		rc, err := channels.RobotClient(cfg)
		if err != nil {
			return err
		}
		addr.Webhook, addr.Secret, ch = to, secret, &robot.DingTalk{Client: rc}
		if channel == "wecom" {
			addr.Secret, ch = "", &robot.WeCom{Client: rc}
		}
	default:
		return errUsage
	}
	m, err := r.Render(n, addr, format)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	rec, err := ch.Send(sctx, m)
	var ne *notify.Error
	if channel == "sms" && errors.As(err, &ne) && ne.Code == "template" {
		// no template registered for test messages: send a sample reminder instead
		fmt.Fprintf(e.stdout, "no SMS template for kind test; sending a sample reminder\n")
		sample := notify.Notice{Key: n.Key, Kind: notify.Reminder, At: now, Entries: []notify.Entry{{
			Kind: notify.Reminder, Title: "通知通道测试", Due: calendar.DateOf(now).AddDays(3), WorkdaysLeft: 3}}}
		if m, err = r.Render(sample, addr, format); err != nil {
			return err
		}
		rec, err = ch.Send(sctx, m)
	}
	if err != nil {
		return fmt.Errorf("send failed (%s): %w", notify.Classify(err), err)
	}
	fmt.Fprintf(e.stdout, "sent %q to %s\nserver answered: %s\n", m.Subject, to, rec.Answer)
	if rec.ProviderID != "" {
		fmt.Fprintf(e.stdout, "provider message id: %s\n", rec.ProviderID)
	}
	return nil
}

func notifyLog(ctx context.Context, e *env, st *store.Store, f store.DeliveryFilter) error {
	ds, err := st.Deliveries(ctx, f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\t时间\t收件人\t类型\t状态\t通道\t尝试\t主题\t说明")
	for _, d := range ds {
		note := d.ProviderAnswer
		if d.Status != store.DeliverySent {
			note = d.Error
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.CreatedAt.In(calendar.Shanghai).Format("01-02 15:04"),
			d.RecipientName, d.Kind, d.Status, dash(d.Channel), d.Attempts, clipText(d.Subject, 40), clipText(note, 60))
	}
	return tw.Flush()
}

func clipText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
