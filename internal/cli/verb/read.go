package verb

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/mcpkit/mcpkit/client"
)

// Read reads a resource and prints its contents: text as it is; a blob decoded into Out when Out is not
// a terminal (so `> file` saves it) and summarised when it is; several contents each under a
// "==> uri <==" line. With JSON the whole result.
func Read(ctx context.Context, s *client.Session, e *Env, uri string) error {
	res, err := s.ReadResource(ctx, uri)
	if err != nil {
		return err
	}
	if e.JSON {
		return printJSON(e.Out, res)
	}
	for i, c := range res.Contents {
		if len(res.Contents) > 1 {
			if i > 0 {
				fmt.Fprintln(e.Out)
			}
			fmt.Fprintf(e.Out, "==> %s <==\n", c.URI)
		}
		if c.Blob == "" {
			writeText(e.Out, c.Text)
			continue
		}
		data, err := base64.StdEncoding.DecodeString(c.Blob)
		if err != nil {
			return fmt.Errorf("resource %s: the blob is not base64: %w", c.URI, err)
		}
		if e.OutTTY || len(res.Contents) > 1 {
			fmt.Fprintf(e.Out, "[%s, %d bytes: redirect the output to a file to save it]\n", c.MimeType, len(data))
			continue
		}
		if _, err := e.Out.Write(data); err != nil {
			return err
		}
	}
	return nil
}
