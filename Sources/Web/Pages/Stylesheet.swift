/// `/assets/app.css`: one stylesheet for both themes. The plain theme follows `prefers-color-scheme`; LCARS is
/// chosen with `data-theme="lcars"` on `<html>`. Mobile first: one column, wrapping rows, 44 px touch targets,
/// nothing wider than the screen (long names wrap anywhere).
enum Stylesheet {
    static let text: String = {
        let light = Theme.plainLight.cssVariables
        let dark = Theme.plainDark.cssVariables
        let lcars = Theme.lcars.cssVariables
        return """
        *,*::before,*::after{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%}
        :root,[data-theme=plain]{\(light)color-scheme:light}
        @media (prefers-color-scheme:dark){[data-theme=plain]{\(dark)color-scheme:dark}}
        [data-theme=lcars]{\(lcars)color-scheme:dark}
        body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;background:var(--bg);color:var(--text);overflow-wrap:anywhere}
        a{color:var(--link)}
        [hidden]{display:none!important}
        a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid var(--link);outline-offset:2px}
        .skip{position:absolute;left:-100vw}.skip:focus{left:.5rem;top:.5rem;background:var(--surface);padding:.5rem;z-index:9}
        .top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.6rem 1rem;background:var(--nav);color:var(--on-nav)}
        .brand{color:var(--on-nav);font-weight:700;text-decoration:none;font-size:1.25rem;letter-spacing:.04em}
        .who{margin-left:auto;font-size:.9rem}
        .nav{display:flex;flex-wrap:wrap;gap:.35rem;padding:.5rem 1rem;background:var(--surface);border-bottom:1px solid var(--border)}
        .nav a,.nav button{display:inline-flex;align-items:center;min-height:2.75rem;padding:.4rem .8rem;border-radius:.5rem;text-decoration:none;color:var(--link);background:transparent;border:1px solid transparent;font:inherit;cursor:pointer}
        .nav a[aria-current=page]{border-color:var(--border);font-weight:700}
        .nav form{margin:0 0 0 auto}
        main{display:block;padding:1rem;max-width:64rem;margin:0 auto}
        h1{font-size:1.45rem;margin:.2rem 0 .8rem}h2{font-size:1.15rem;margin:1.2rem 0 .5rem}
        .card{background:var(--surface);border:1px solid var(--border);border-radius:.6rem;padding:.8rem;margin:.6rem 0}
        .row{display:flex;flex-wrap:wrap;gap:.3rem 1rem;align-items:baseline}
        .row>.grow{flex:1 1 12rem;min-width:0}
        .name{font-weight:600}
        .muted{color:var(--muted)}.ok{color:var(--ok)}.bad{color:var(--bad)}
        .bar{height:.55rem;background:var(--bar);border-radius:.3rem;overflow:hidden;margin:.4rem 0}
        .bar>span{display:block;height:100%;background:var(--fill)}
        .stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(9.5rem,1fr));gap:.5rem;margin:.6rem 0}
        .stat{background:var(--surface);border:1px solid var(--border);border-radius:.6rem;padding:.6rem}
        .stat b{display:block;font-size:1.15rem}
        button,.button{font:inherit;min-height:2.75rem;padding:.5rem 1rem;border-radius:.5rem;border:1px solid transparent;background:var(--accent);color:var(--on-accent);cursor:pointer;text-decoration:none;display:inline-flex;align-items:center;justify-content:center;gap:.3rem}
        button.danger,.button.danger{background:var(--danger);color:var(--on-danger)}
        button.secondary,.button.secondary{background:transparent;color:var(--link);border-color:var(--border)}
        .actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.6rem 0}
        .actions form{margin:0}
        label{display:block;margin:.8rem 0 .3rem;font-weight:600}
        label.inline{display:flex;align-items:center;gap:.5rem;font-weight:400;margin:.5rem 0}
        input,select,textarea{font:inherit;width:100%;max-width:100%;min-height:2.75rem;padding:.5rem;border:1px solid var(--border);border-radius:.4rem;background:var(--input);color:var(--text)}
        input[type=checkbox],input[type=radio]{width:1.4rem;min-height:1.4rem;height:1.4rem;margin:0;accent-color:var(--accent)}
        textarea{min-height:8rem;font-family:ui-monospace,monospace;font-size:.85rem}
        fieldset{border:1px solid var(--border);border-radius:.5rem;margin:.8rem 0;padding:.5rem .8rem}
        legend{font-weight:600;padding:0 .3rem}
        .hint{font-size:.9rem;color:var(--muted);margin:.25rem 0}
        .banner{padding:.7rem 1rem;border-radius:.5rem;margin:.5rem 0;font-weight:600}
        .banner.bad{background:var(--danger);color:var(--on-danger)}
        .banner.warn{background:var(--warn);color:var(--on-warn)}
        .banner.good{background:var(--surface);color:var(--ok);border:1px solid var(--border)}
        .list{list-style:none;padding:0;margin:0}
        .list>li{border-bottom:1px solid var(--border);padding:.55rem 0}
        .list>li:last-child{border-bottom:0}
        pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.8rem;max-height:28rem;overflow-y:auto;background:var(--input);padding:.6rem;border-radius:.4rem}
        video{display:block;width:100%;max-height:75vh;background:#000;border-radius:.4rem}
        .live::before{content:"";display:inline-block;width:.55rem;height:.55rem;border-radius:50%;background:var(--ok);margin-right:.35rem}
        .error-text{color:var(--bad);font-weight:600}
        .center{max-width:26rem;margin:2rem auto}
        .steps{display:flex;flex-wrap:wrap;gap:.3rem;list-style:none;padding:0;margin:0 0 1rem}
        .steps li{padding:.25rem .6rem;border-radius:1rem;border:1px solid var(--border);font-size:.85rem}
        .steps li[aria-current=step]{background:var(--accent);color:var(--on-accent);border-color:var(--accent)}
        [data-theme=lcars] body{font-family:"Arial Narrow","Roboto Condensed","Liberation Sans Narrow","Helvetica Neue",Arial,sans-serif;letter-spacing:.03em}
        [data-theme=lcars] .frame{margin:.4rem;border-left:1.1rem solid var(--nav);border-top-left-radius:2.2rem;min-height:calc(100vh - .8rem)}
        [data-theme=lcars] .top{border-top-left-radius:1.6rem;padding-left:1rem;text-transform:uppercase}
        [data-theme=lcars] .nav{background:var(--bg);border-bottom:0;gap:.3rem;padding:.4rem .5rem}
        [data-theme=lcars] .nav a,[data-theme=lcars] .nav button{background:var(--nav-2);color:var(--on-nav);border-radius:1.4rem;text-transform:uppercase;font-weight:700;justify-content:flex-end;min-width:6.5rem}
        [data-theme=lcars] .nav a:nth-child(3n+2){background:var(--nav-3)}
        [data-theme=lcars] .nav a:nth-child(3n){background:var(--nav)}
        [data-theme=lcars] .nav a[aria-current=page]{background:var(--accent);border-color:var(--accent)}
        [data-theme=lcars] .nav button{background:var(--danger);color:var(--on-danger)}
        [data-theme=lcars] h1,[data-theme=lcars] h2{text-transform:uppercase;color:var(--accent);letter-spacing:.06em}
        [data-theme=lcars] .card,[data-theme=lcars] .stat{border:0;border-left:.6rem solid var(--nav-3);border-radius:0 1rem 1rem 0;background:var(--bg)}
        [data-theme=lcars] button,[data-theme=lcars] .button{border-radius:1.4rem;text-transform:uppercase;font-weight:700}
        [data-theme=lcars] button.secondary,[data-theme=lcars] .button.secondary{background:var(--nav-3);color:var(--on-nav);border:0}
        @media (min-width:48rem){
        [data-theme=lcars] .frame{display:grid;grid-template-columns:11rem 1fr;grid-template-rows:auto 1fr;border-left:0}
        [data-theme=lcars] .top{grid-column:1/3;border-radius:2.5rem 0 0 0;padding:.8rem 1.5rem .8rem 2rem}
        [data-theme=lcars] .nav{grid-column:1;flex-direction:column;flex-wrap:nowrap;padding:.3rem 0 0;background:var(--bg)}
        [data-theme=lcars] .nav a,[data-theme=lcars] .nav button{border-radius:0 1.4rem 1.4rem 0;width:100%}
        [data-theme=lcars] .nav form{margin:0}
        [data-theme=lcars] main{grid-column:2;margin:0;max-width:none}
        }
        """
    }()
}
