//! Human and JSON renderings of plans and results.
