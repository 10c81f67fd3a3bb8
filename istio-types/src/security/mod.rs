//! `security.istio.io`: authentication and authorization policies, served at v1beta1 and v1.
