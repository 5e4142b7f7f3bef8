"""What the service tells its operators about itself: Prometheus metrics (metrics.py, the
definitions; exposition.py, /metrics; multiprocess.py, several workers adding up)."""
