// Package term is the client verbs' side of the terminal: whether a file is a terminal and how wide it is,
// and Console, the stderr writer that draws progress bars and keeps them out of the way of the lines
// (logs, traffic, forms) written between them.
package term
