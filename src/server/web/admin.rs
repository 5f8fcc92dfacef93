//! The admin's accounts page: every account, a new account (its password generated and shown once) and an
//! account disabled, through the same service and store calls as `pledgecheck user`. API tokens and firms stay
//! with the CLI and the API.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use super::form::Form;
use super::layout::{csrf, page, stacked_table, Column, Nav};
use super::text::K;
use super::{html as page_response, read, see_other, App, Page, Signed};
use crate::service::accounts;
use crate::store::Role;

/// The accounts page, with `result` (a new account's password, or why it was refused) above the list.
async fn accounts_page(app: &Arc<App>, signed: &Signed, result: Markup, status: StatusCode) -> Result<Response, Page> {
    let lang = signed.lang;
    let users = read(app, signed, |store| Ok(store.users()?)).await?;
    let columns = [
        Column::text(lang.t(K::UserName)),
        Column::text(lang.t(K::Role)),
        Column::text(lang.t(K::Firm)),
        Column::text(lang.t(K::When)).cells("nowrap"),
        Column::text(lang.t(K::Disabled)),
    ];
    let body = html! {
        h1 { (lang.t(K::Accounts)) }
        p.lead { (lang.t(K::AccountsLead)) }
        (result)
        (stacked_table(None, &columns, &users, |u| vec![
            html! { (u.name) },
            html! { (u.role.as_str()) },
            html! { (u.firm.clone().unwrap_or_default()) },
            html! { (u.created_at) },
            html! {
                @if let Some(at) = &u.disabled_at { (at) }
                @else if u.name != signed.account.name {
                    form method="post" action="/accounts/disable" {
                        (csrf(signed))
                        input type="hidden" name="name" value=(u.name);
                        button.secondary.small type="submit"
                            aria-label={ (lang.t(K::Disable)) " " (u.name) } { (lang.t(K::Disable)) }
                    }
                }
            },
        ]))
        section {
            h2 { (lang.t(K::NewAccount)) }
            form method="post" action="/accounts" {
                (csrf(signed))
                div.fields {
                    div {
                        label for="name" { (lang.t(K::UserName)) }
                        input id="name" name="name" type="text" required autocomplete="off";
                    }
                    div {
                        label for="role" { (lang.t(K::Role)) }
                        select id="role" name="role" {
                            @for role in [Role::Recruiter, Role::Auditor, Role::Admin] {
                                option value=(role.as_str()) { (role.as_str()) }
                            }
                        }
                    }
                    div {
                        label for="firm" { (lang.t(K::FirmOfRecruiter)) }
                        input id="firm" name="firm" type="text" autocomplete="off";
                    }
                }
                div.actions { button type="submit" { (lang.t(K::NewAccount)) } }
            }
        }
    };
    let page = page(signed, lang.t(K::Accounts), Nav::Accounts, body);
    Ok((status, page_response(page)).into_response())
}

/// `GET /accounts` (admins).
pub(super) async fn accounts(State(app): State<Arc<App>>, signed: Signed) -> Result<Response, Page> {
    signed.require(&[Role::Admin])?;
    accounts_page(&app, &signed, html! {}, StatusCode::OK).await
}

/// `POST /accounts`: a new account with a generated password, shown once (`pledgecheck user add`).
pub(super) async fn add(State(app): State<Arc<App>>, signed: Signed, body: Bytes) -> Result<Response, Page> {
    let form = Form::posted(&body, &signed, &[Role::Admin])?;
    let lang = signed.lang;
    let name = form.get("name").to_string();
    let role = Role::parse(form.get("role"));
    let firm = Some(form.get("firm").to_string()).filter(|f| !f.is_empty());
    let password = accounts::generate_password();
    let (n, p) = (name.clone(), password.clone());
    let added = match role {
        None => Err(format!("unknown role {:?} (expected recruiter, auditor or admin)", form.get("role"))),
        Some(role) => app
            .with_store(true, move |store| {
                Ok(accounts::add_user(store, &n, role, firm.as_deref(), &p).map_err(|e| format!("{e:#}")))
            })
            .await
            .map_err(|problem| Page::failed(lang, problem))?,
    };
    let (result, status) = match added {
        Ok(()) => (
            html! {
                div.notice.good.new-account role="status" {
                    p { (lang.t(K::AccountAdded)) " " strong { (name) } }
                    p { (lang.t(K::PasswordOnce)) " " code.password { (password) } }
                }
            },
            StatusCode::OK,
        ),
        Err(why) => (html! { p.notice.bad role="alert" { (why) } }, StatusCode::UNPROCESSABLE_ENTITY),
    };
    accounts_page(&app, &signed, result, status).await
}

/// `POST /accounts/disable`: the account can no longer sign in, its sessions and tokens stop at once.
pub(super) async fn disable(State(app): State<Arc<App>>, signed: Signed, body: Bytes) -> Result<Response, Page> {
    let form = Form::posted(&body, &signed, &[Role::Admin])?;
    let name = form.get("name").to_string();
    app.with_store(true, move |store| Ok(store.disable_user(&name)?))
        .await
        .map_err(|problem| Page::failed(signed.lang, problem))?;
    Ok(see_other("/accounts"))
}
