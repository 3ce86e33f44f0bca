"""The cockpit (驾驶舱): counts by region and period for supervisors, scoped by the region rule."""
