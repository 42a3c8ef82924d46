package importer

import (
	"fmt"
	"os"
	"testing"
)

func TestZZDebug(t *testing.T) {
	f := os.Getenv("ZZFILE")
	if f == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(f)
	res := Load(f, data, nil, Options{Build: BuildOptions{Year: 2024, CreateOffices: true}})
	for _, e := range res.Errors {
		fmt.Println("ERR", e.Error())
	}
	for _, e := range res.Warnings {
		fmt.Println("WARN", e.Error())
	}
	for _, it := range res.Items {
		fmt.Println(it.String(), "|", it.Rule.Text, "|", it.OfficesText)
	}
	fmt.Println("items:", len(res.Items))
}
