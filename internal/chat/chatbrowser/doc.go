// Package chatbrowser holds only the browser test of mcpkit chat --web: headless Chromium, driven by
// chromedp, opens the page, asks a question, and sees the tool call, the answer and a sampling
// approval dialog. It is a package of its own so that chromedp is linked into this test alone.
package chatbrowser
