package main

import (
	"testing"

	"github.com/zwgk/zwgk/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
