const {Worker}=require('node:worker_threads'); const w=new Worker('require("node:worker_threads").parentPort.on("message",()=>{})',{eval:true}); w.unref();
const i=setInterval(()=>{},1000);
process.on('SIGTERM',()=>{ console.log('term'); clearInterval(i); });
