package main

import (
	_ "embed"
	"fmt"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"strings"
)

// simDoc is the part of `vmp-sim -help` that documents the magic customers and the control API.
// It is core/sim/doc.go's text, so the simulator's documentation stays in one place:
// TestHelpIsSimulatorDoc fails when simdoc.txt no longer matches doc.go, and
//
//	go test ./cmd/vmp-sim -run TestHelpIsSimulatorDoc -update
//
// writes it anew.
//
//go:embed simdoc.txt
var simDoc string

// simDocSections are the headings of core/sim/doc.go that the help shows, in this order, and
// for each the first words of the paragraphs to keep (none: the whole section). A paragraph
// kept also keeps the code blocks that follow it.
var simDocSections = []struct {
	heading    string
	paragraphs []string
}{
	{heading: "Magic customers"},
	{heading: "Customer club", paragraphs: []string{"Scenario customers"}},
	{heading: "Control API"},
	{heading: "Pages"},
	{heading: "Fault injection", paragraphs: []string{"A fault makes", "Kinds.", "Which requests"}},
}

// extractSimDoc renders the simDocSections of the package comment in docGo (core/sim/doc.go)
// as plain text.
func extractSimDoc(docGo []byte) (string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", docGo, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		return "", err
	}
	if f.Doc == nil {
		return "", fmt.Errorf("doc.go has no package comment")
	}
	var p comment.Parser
	doc := p.Parse(f.Doc.Text())
	bySection := map[string][]comment.Block{}
	section := ""
	for _, b := range doc.Content {
		if h, ok := b.(*comment.Heading); ok {
			section = plainText(h.Text)
			continue
		}
		bySection[section] = append(bySection[section], b)
	}
	var out []comment.Block
	for _, want := range simDocSections {
		blocks, ok := bySection[want.heading]
		if !ok {
			return "", fmt.Errorf("doc.go has no section %q", want.heading)
		}
		kept := keepParagraphs(blocks, want.paragraphs)
		if len(kept) == 0 {
			return "", fmt.Errorf("doc.go's section %q has no paragraph starting with %q", want.heading, want.paragraphs)
		}
		out = append(out, &comment.Heading{Text: []comment.Text{comment.Plain(want.heading)}})
		out = append(out, kept...)
	}
	pr := &comment.Printer{TextWidth: 96}
	return string(pr.Text(&comment.Doc{Content: out})), nil
}

// keepParagraphs returns the paragraphs of blocks that start with one of starts, each with the
// code blocks right after it; every block when starts is empty.
func keepParagraphs(blocks []comment.Block, starts []string) []comment.Block {
	if len(starts) == 0 {
		return blocks
	}
	var kept []comment.Block
	keeping := false
	for _, b := range blocks {
		switch b := b.(type) {
		case *comment.Paragraph:
			keeping = false
			text := plainText(b.Text)
			for _, s := range starts {
				if strings.HasPrefix(text, s) {
					keeping = true
				}
			}
		case *comment.Code:
			// follows the paragraph before it
		default:
			keeping = false
		}
		if keeping {
			kept = append(kept, b)
		}
	}
	return kept
}

func plainText(texts []comment.Text) string {
	var sb strings.Builder
	for _, t := range texts {
		switch t := t.(type) {
		case comment.Plain:
			sb.WriteString(string(t))
		case comment.Italic:
			sb.WriteString(string(t))
		case *comment.Link:
			sb.WriteString(plainText(t.Text))
		case *comment.DocLink:
			sb.WriteString(plainText(t.Text))
		}
	}
	return sb.String()
}
