//! Starting and stopping the camera program where there are no process groups or death signals
//! (Windows): it is stopped with `Child::kill` (TerminateProcess, no graceful step) and reaped.
//! A program left behind when pistream itself is killed is not prevented here (a Job Object would be
//! the Windows way; not done yet).

use std::io;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::Duration;

use crate::session::Shared;

pub(crate) fn prepare(_cmd: &mut Command) {}

/// Nothing watches: how the program ended is learnt when it is stopped.
pub(crate) fn watch_exit(_pid: u32, _shared: Arc<Shared>) -> io::Result<()> {
    Ok(())
}

pub(crate) fn stop(child: &mut Child, shared: &Shared, _grace: Duration) -> Option<String> {
    drop(child.kill());
    let how = child.wait().ok().map(|status| status.to_string())?;
    shared.set_exit(how.clone());
    Some(how)
}
