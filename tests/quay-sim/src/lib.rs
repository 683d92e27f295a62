//! quay-sim: a stateful emulator of the Quay API v1 subset mqc uses.
