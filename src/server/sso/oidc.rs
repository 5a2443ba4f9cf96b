//! The OpenID Connect side: discovery, the authorization URL and the code exchange with the ID
//! token's checks. The protocol work is the `openidconnect` crate's; this module chooses what to
//! ask for and turns its errors into the sentences people see, without passing on provider text.

use std::sync::OnceLock;
use std::time::Duration;

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreTokenResponse, CoreUserInfoClaims,
};
use openidconnect::{
    AccessToken, AccessTokenHash, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, DiscoveryError, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IssuerUrl, LoginHint, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RequestTokenError, Scope, SubjectIdentifier, TokenResponse,
};

use crate::domain::sso::SsoRefusal;
use crate::server::secret::Secret;

use super::settings::Provider;

/// One HTTP client for every provider. Redirects are not followed (the `openidconnect` docs
/// warn that following them exposes the server to request forgery), and a slow provider cannot
/// hold a sign-in for long.
pub fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .user_agent("HR Connectors single sign-on")
            .build()
            .expect("the TLS backend is compiled in, so the client builds")
    })
}

/// Why discovery failed, as the settings form says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoverFailure {
    Unreachable,
    NotOpenIdConnect,
    /// The document names another issuer (the one it gave).
    OtherIssuer(String),
}

impl DiscoverFailure {
    pub fn message(&self, issuer: &str) -> String {
        let base = issuer.trim_end_matches('/');
        match self {
            DiscoverFailure::Unreachable => format!(
                "We couldn't reach {base}/.well-known/openid-configuration. Check the issuer URL \
                 (for Okta it looks like https://yourcompany.okta.com) and that the provider is \
                 reachable from the internet, then save again."
            ),
            DiscoverFailure::NotOpenIdConnect => format!(
                "{base}/.well-known/openid-configuration did not answer with an OpenID Connect \
                 configuration. Check that the issuer URL is your identity provider's, then save \
                 again."
            ),
            DiscoverFailure::OtherIssuer(other) => format!(
                "The identity provider at {base} says its issuer is {other}. Enter the issuer \
                 URL exactly as your provider shows it, then save again."
            ),
        }
    }
}

/// Fetches the provider's configuration and keys. A trailing slash is forgiven: providers
/// differ on it, the discovery document says which one is right, and that one is returned.
pub async fn discover(issuer: &str) -> Result<(CoreProviderMetadata, String), DiscoverFailure> {
    let first = discover_exactly(issuer).await;
    let Err(DiscoverFailure::OtherIssuer(other)) = &first else {
        return first.map(|m| (m, issuer.to_owned()));
    };
    let toggled = match issuer.strip_suffix('/') {
        Some(without) => without.to_owned(),
        None => format!("{issuer}/"),
    };
    if *other == toggled {
        return discover_exactly(&toggled).await.map(|m| (m, toggled));
    }
    first.map(|m| (m, issuer.to_owned()))
}

async fn discover_exactly(issuer: &str) -> Result<CoreProviderMetadata, DiscoverFailure> {
    let url = IssuerUrl::new(issuer.to_owned()).map_err(|_| DiscoverFailure::Unreachable)?;
    CoreProviderMetadata::discover_async(url, http())
        .await
        .map_err(|err| {
            tracing::warn!(issuer, error = %err, "single sign-on discovery failed");
            match err {
                DiscoveryError::Validation(text) => match found_issuer(&text) {
                    Some(other) => DiscoverFailure::OtherIssuer(other),
                    None => DiscoverFailure::NotOpenIdConnect,
                },
                DiscoveryError::Parse(_) | DiscoveryError::Response(..) => {
                    DiscoverFailure::NotOpenIdConnect
                }
                _ => DiscoverFailure::Unreachable,
            }
        })
}

/// The issuer a discovery document gave, from the crate's validation message
/// ("unexpected issuer URI `x` (expected `y`)").
fn found_issuer(text: &str) -> Option<String> {
    let rest = text.strip_prefix("unexpected issuer URI `")?;
    let (found, _) = rest.split_once('`')?;
    Some(found.to_owned())
}

/// What the callback needs back to finish a sign-in; kept on the server, sealed.
pub struct Started {
    pub url: String,
    pub state: Secret,
    pub nonce: Secret,
    pub pkce_verifier: Secret,
}

/// A client made from discovery: the authorization endpoint is certain, the token and
/// userinfo endpoints only if the provider's configuration names them.
type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

fn client(
    metadata: CoreProviderMetadata,
    provider: &Provider,
    redirect_uri: &str,
) -> Result<Client, SsoRefusal> {
    let redirect = RedirectUrl::new(redirect_uri.to_owned()).map_err(|_| {
        tracing::error!("PUBLIC_URL does not make a valid single sign-on redirect URI");
        SsoRefusal::Provider
    })?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        Some(ClientSecret::new(
            provider.client_secret.expose().to_owned(),
        )),
    )
    .set_redirect_uri(redirect))
}

/// The provider's authorization URL for the code flow with PKCE (S256), a random state and a
/// random nonce, asking for the person's email address and name.
pub fn authorization(
    metadata: CoreProviderMetadata,
    provider: &Provider,
    redirect_uri: &str,
    login_hint: &str,
) -> Result<Started, SsoRefusal> {
    let client = client(metadata, provider, redirect_uri)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .set_login_hint(LoginHint::new(login_hint.to_owned()))
        .url();
    Ok(Started {
        url: url.to_string(),
        state: Secret::new(state.secret().clone()),
        nonce: Secret::new(nonce.secret().clone()),
        pkce_verifier: Secret::new(verifier.secret().clone()),
    })
}

/// Who the provider says signed in, after the ID token passed every check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub name: Option<String>,
}

/// Exchanges the code (with the PKCE verifier) and verifies the ID token: signature against
/// the provider's published keys, issuer, audience (our client ID, and no one else unless the
/// crate's rules allow), expiry and nonce; then the access token hash when the token has one.
/// The address comes from the ID token, or when it carries none, from the userinfo endpoint
/// for the same subject.
pub async fn finish(
    metadata: CoreProviderMetadata,
    provider: &Provider,
    redirect_uri: &str,
    code: &str,
    pkce_verifier: &Secret,
    nonce: &Secret,
) -> Result<Identity, SsoRefusal> {
    let client = client(metadata, provider, redirect_uri)?;
    let response = exchange(&client, provider, code, pkce_verifier).await?;
    let id_token = response.id_token().ok_or_else(|| {
        tracing::warn!(provider = %provider.id, "the provider's token response had no ID token");
        SsoRefusal::Token
    })?;
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &Nonce::new(nonce.expose().to_owned()))
        .map_err(|err| {
            let refusal = match &err {
                ClaimsVerificationError::Expired(_) => SsoRefusal::TokenExpired,
                ClaimsVerificationError::InvalidAudience(_) => SsoRefusal::Audience,
                ClaimsVerificationError::InvalidIssuer(_) => SsoRefusal::Issuer,
                ClaimsVerificationError::SignatureVerification(_) => SsoRefusal::Signature,
                _ => SsoRefusal::Token,
            };
            tracing::warn!(provider = %provider.id, reason = refusal.code(), error = %err, "an ID token was refused");
            refusal
        })?;
    if let Some(expected) = claims.access_token_hash() {
        let matches = id_token
            .signing_alg()
            .ok()
            .zip(id_token.signing_key(&verifier).ok())
            .and_then(|(alg, key)| {
                AccessTokenHash::from_token(response.access_token(), alg, key).ok()
            })
            .is_some_and(|actual| actual == *expected);
        if !matches {
            tracing::warn!(provider = %provider.id, "an ID token's access token hash did not match");
            return Err(SsoRefusal::Token);
        }
    }
    let mut identity = Identity {
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified(),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
    };
    if identity.email.is_none() {
        // Some providers (Okta's, and any following the spec's default when an access token
        // is issued) send a thin ID token and give the profile at the userinfo endpoint.
        add_userinfo(
            &client,
            provider,
            response.access_token(),
            claims.subject(),
            &mut identity,
        )
        .await?;
    }
    Ok(identity)
}

/// The code exchange. Only the provider's error code is logged: descriptions can echo what was
/// sent.
async fn exchange(
    client: &Client,
    provider: &Provider,
    code: &str,
    pkce_verifier: &Secret,
) -> Result<CoreTokenResponse, SsoRefusal> {
    let request = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|_| {
            tracing::warn!(provider = %provider.id, "the provider's configuration has no token endpoint");
            SsoRefusal::Provider
        })?
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.expose().to_owned()));
    request.request_async(http()).await.map_err(|err| match err {
        RequestTokenError::ServerResponse(e) => {
            tracing::warn!(provider = %provider.id, error = %e.error(), "the provider refused the code exchange");
            SsoRefusal::Provider
        }
        RequestTokenError::Request(_) => {
            tracing::warn!(provider = %provider.id, "the provider's token endpoint could not be reached");
            SsoRefusal::Unavailable
        }
        _ => {
            tracing::warn!(provider = %provider.id, "the provider's token response was unreadable");
            SsoRefusal::Provider
        }
    })
}

/// Fills the address (and a missing name) from the userinfo endpoint. It is asked with the
/// access token just issued, and its answer must be about the subject the verified ID token
/// named. Without a userinfo endpoint the identity stays as it is.
async fn add_userinfo(
    client: &Client,
    provider: &Provider,
    access_token: &AccessToken,
    subject: &SubjectIdentifier,
    identity: &mut Identity,
) -> Result<(), SsoRefusal> {
    let Ok(request) = client.user_info(access_token.clone(), Some(subject.clone())) else {
        return Ok(());
    };
    let info: CoreUserInfoClaims = request.request_async(http()).await.map_err(|err| {
        tracing::warn!(provider = %provider.id, error = %err, "the provider's userinfo answer was refused");
        SsoRefusal::Provider
    })?;
    identity.email = info.email().map(|e| e.as_str().to_owned());
    identity.email_verified = info.email_verified();
    if identity.name.is_none() {
        identity.name = info
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_issuer_a_document_named() {
        assert_eq!(
            found_issuer(
                "unexpected issuer URI `https://a.example/` (expected `https://a.example`)"
            )
            .as_deref(),
            Some("https://a.example/")
        );
        assert_eq!(found_issuer("something else"), None);
    }

    #[test]
    fn discovery_messages_name_the_document() {
        let m = DiscoverFailure::Unreachable.message("https://idp.example/");
        assert!(
            m.starts_with("We couldn't reach https://idp.example/.well-known/openid-configuration")
        );
    }
}
