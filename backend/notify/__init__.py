"""Notifications: an in-app inbox always, plus Web Push and SMS sent by a worker from a transactional outbox."""
