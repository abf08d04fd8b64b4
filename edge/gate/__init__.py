"""Vehicle gate (车辆道闸): plate reading, offline access decisions, barrier control."""
