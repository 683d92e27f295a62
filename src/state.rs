//! Reads one organization from one Quay endpoint into the model.
