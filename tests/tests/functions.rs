//! Each function's handler against the in-memory ports, one module per function (and per
//! route where a function has more than one).

mod future_sizes;
mod hash_user;
mod issue_jwt;
mod issue_jwt_freshchat;
mod issue_jwt_hubspot;
mod issue_jwt_infobip;
mod issue_jwt_livechat;
mod issue_jwt_public_keys;
mod logout_webhook;
mod user_details_callback;
