// The meeting day's pages work without this script; with it, the attendance count follows
// the clerk's ticks before saving, and the list of who has voted keeps itself current.

function quorumStatus(present, quorum) {
  if (present >= quorum) {
    return `${present} present: quorate`;
  }
  return `${present} present: not quorate (needs ${quorum - present} more)`;
}

function followTicks(form) {
  const quorum = Number(form.dataset.quorum);
  const status = document.getElementById(form.dataset.status);
  if (!status || !Number.isFinite(quorum)) {
    return;
  }
  form.addEventListener("change", () => {
    const ticked = form.querySelectorAll("input[name='present']:checked").length;
    status.textContent = quorumStatus(ticked, quorum);
  });
}

// Fetches the page again and replaces the region with its newer self: only when it has
// changed, so a screen reader hears of a new vote, not of every refresh.
function keepCurrent(region) {
  const every = Number(region.dataset.appRefresh) * 1000;
  if (!region.id || !Number.isFinite(every) || every < 1000) {
    return;
  }
  const refresh = async () => {
    try {
      const response = await fetch(window.location.href, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (!response.ok) {
        return;
      }
      const fresh = new DOMParser()
        .parseFromString(await response.text(), "text/html")
        .getElementById(region.id);
      if (fresh === null) {
        // The vote has closed: the page itself now says so, and there is nothing to keep up.
        window.clearInterval(timer);
        return;
      }
      if (fresh.innerHTML !== region.innerHTML) {
        region.innerHTML = fresh.innerHTML;
      }
    } catch {
      // Offline for a moment: the next refresh, or the Refresh link, catches up.
    }
  };
  const timer = window.setInterval(refresh, every);
}

document.querySelectorAll("form[data-app-attendance]").forEach(followTicks);
document.querySelectorAll("[data-app-refresh]").forEach(keepCurrent);
