package server

// RunningTasks returns how many tasks run on this node (a run exists only while its handler runs).
func RunningTasks(s *Server) int {
	s.tasks.mu.Lock()
	defer s.tasks.mu.Unlock()
	return len(s.tasks.runs)
}
