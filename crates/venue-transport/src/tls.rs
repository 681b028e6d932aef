//! The one TLS stack of the workspace: rustls with the `ring` provider.

/// Installs rustls' `ring` provider as the process default. Idempotent: an error means a
/// provider is already installed (ours or the application's), which is fine either way.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
